// A 422's problems by field, so each message shows at its field: {"title": "...", "beats.0.duration_s": "..."}.
import { fieldProblems } from "../api/errors";

export function fieldErrors(body: unknown): Record<string, string> {
  const details = (body as { error?: { details?: unknown } } | undefined)?.error?.details;
  const out: Record<string, string> = {};
  for (const line of fieldProblems(details)) {
    const cut = line.indexOf(": ");
    if (cut > 0) out[line.slice(0, cut)] = line.slice(cut + 2);
  }
  return out;
}
