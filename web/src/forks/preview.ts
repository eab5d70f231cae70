// What a fork would redo, asked of the server (POST .../fork/preview creates nothing) 300 ms after
// the draft last changed. The wait is part of the read: each draft is its own key, so a newer draft
// drops the older read, waiting or in flight (its signal aborts), and no answer arrives out of order.
import { keepPreviousData, queryOptions } from "@tanstack/react-query";
import { must } from "../api/answers";
import { api, type Schemas } from "../api/client";
import { keys } from "../api/keys";

export const PREVIEW_AFTER_MS = 300;

function quiet(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = window.setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (window.clearTimeout(timer), reject(signal.reason)), { once: true });
  });
}

export function forkPreviewQuery(projectId: string, body: Schemas["ForkRequest"]) {
  return queryOptions({
    queryKey: keys.forkPreview(projectId, body),
    queryFn: async ({ signal }) => {
      await quiet(PREVIEW_AFTER_MS, signal);
      return must(api.POST("/api/projects/{project_id}/fork/preview", { params: { path: { project_id: projectId } }, body, signal }));
    },
    placeholderData: keepPreviousData, // the last answer stays up while the next draft's is asked
    gcTime: 60_000,
  });
}
