// openapi-fetch answers as TanStack Query wants them: the data, or a thrown ApiError that carries
// what a person reads (the server's own message) beside the status and body code may look at.
import { errorMessage } from "./errors";

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(message);
  }
}

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The answer's data; an ApiError when the server said no. */
export async function must<T>(call: Promise<Answer<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw new ApiError(errorMessage(error, response.status), response.status, error);
  return data as T;
}

/** What a person reads about a failed read or write (none: nothing failed). */
export function problemOf(error: unknown): string | null {
  if (!error) return null;
  if (error instanceof ApiError) return error.message;
  return errorMessage(undefined); // fetch itself failed: "The service could not be reached."
}
