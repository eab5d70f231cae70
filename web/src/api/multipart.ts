// A multipart body for openapi-fetch: the generated types describe the fields as strings, the
// browser sends a FormData as it is (its boundary set by fetch itself).
export function multipart<T>(fields: Record<string, string | Blob>): { body: T; bodySerializer: (body: unknown) => FormData } {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  return { body: form as unknown as T, bodySerializer: (body) => body as unknown as FormData };
}
