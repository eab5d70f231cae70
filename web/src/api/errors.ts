// Every API error is JSON: {"error": {"code", "message", "details"}}. What a person is shown.
import { inWords } from "../ui/words";
import type { Schemas } from "./client";
import { keys } from "./keys";
import { queryClient } from "./queryClient";

export interface ApiErrorBody {
  error?: { code?: string; message?: string; details?: unknown };
}

/** The image types the server takes, as it names them (from its config, read at start). */
function acceptedImageNames(): string {
  const types = queryClient.getQueryData<Schemas["StudioConfig"]>(keys.config)?.rules.image_types ?? [];
  return types.length ? ` (${inWords(types.map((t) => t.name))})` : "";
}

const FALLBACK: Record<number, () => string> = {
  401: () => "Your session has ended: sign in again.",
  404: () => "Not found: it may have been deleted.",
  413: () => "That file is too large.",
  415: () => `That file is not an image the service accepts${acceptedImageNames()}.`,
  503: () => "The service is busy; try again in a moment.",
};

interface Problem {
  loc?: (string | number)[];
  msg?: string;
}

/** A 422's field problems as a person reads them: "name: must hold a visible character". */
export function fieldProblems(details: unknown): string[] {
  if (!Array.isArray(details)) return [];
  return (details as Problem[])
    .filter((p) => typeof p?.msg === "string")
    .map((p) => {
      const what = (p.msg as string).replace(/^Value error, /, "");
      return p.loc?.length ? `${p.loc.join(".")}: ${what}` : what;
    });
}

/** The server's own message (with its field problems) when it sent one, else a plain sentence. */
export function errorMessage(body: unknown, status?: number): string {
  const error = (body as ApiErrorBody | undefined)?.error;
  const message = error?.message;
  if (typeof message === "string" && message.trim()) {
    const fields = fieldProblems(error?.details);
    return fields.length ? `${message}: ${fields.join("; ")}` : message;
  }
  if (status !== undefined && FALLBACK[status]) return FALLBACK[status]();
  return status ? `The request failed (HTTP ${status}).` : "The service could not be reached.";
}

/** Why a manifest cannot be deleted, in the words a creator needs (409: a live project uses it). */
export function deleteRefusal(body: unknown, status: number): string {
  if (status === 409) {
    const reason = errorMessage(body, status).replace(/[.!]?$/, ".");
    return `${reason} Projects keep working from their snapshot; delete or finish those projects first.`;
  }
  return errorMessage(body, status);
}
