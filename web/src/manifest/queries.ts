// A manifest's reads: its detail (assets, cast) and its run's progress, which is polled while the
// run goes on; the detail is read again once, when the run ends, not polled beside it.
import { type QueryClient, queryOptions, useQuery, useQueryClient } from "@tanstack/react-query";
import { must } from "../api/answers";
import { api, type Schemas } from "../api/client";
import { keys } from "../api/keys";

export const PROGRESS_POLL_MS = 1500;

export function manifestQuery(manifestId: string) {
  return queryOptions({
    queryKey: keys.manifest(manifestId),
    queryFn: ({ signal }) => must(api.GET("/api/manifests/{manifest_id}", { params: { path: { manifest_id: manifestId } }, signal })),
  });
}

export function progressQuery(manifestId: string) {
  const key = keys.progress(manifestId);
  return queryOptions({
    queryKey: key,
    queryFn: async ({ signal, client }) => {
      const before = client.getQueryData<Schemas["ProgressOut"]>(key)?.status;
      const now = await must(api.GET("/api/manifests/{manifest_id}/progress", { params: { path: { manifest_id: manifestId } }, signal }));
      if (before === "PROCESSING" && now.status !== "PROCESSING") void runEnded(client, manifestId);
      return now;
    },
    refetchInterval: (query) => (query.state.data?.status === "PROCESSING" ? PROGRESS_POLL_MS : false),
  });
}

/** What a run's end changed: the manifest (its assets, cast, status), the library's cards, and a
 * fork's project (its snapshot is written then). Only what is on screen is read again. */
function runEnded(client: QueryClient, manifestId: string) {
  return Promise.all([
    client.invalidateQueries({ queryKey: keys.manifest(manifestId), exact: true }),
    client.invalidateQueries({ queryKey: keys.manifests }),
    client.invalidateQueries({ queryKey: ["project"] }),
  ]);
}

/** A run's status where the processing panel already polls it: no timer of its own. */
export function useRunStatus(manifestId: string | null | undefined) {
  return useQuery({
    ...progressQuery(manifestId ?? ""),
    enabled: Boolean(manifestId),
    refetchInterval: false,
    select: (progress) => progress.status,
  }).data;
}

/** After a write to a manifest or one of its assets: it, its progress and the lists showing it. */
export function useManifestChanged() {
  const client = useQueryClient();
  return (manifestId: string) =>
    Promise.all([
      client.invalidateQueries({ queryKey: keys.manifest(manifestId) }),
      client.invalidateQueries({ queryKey: keys.manifests }),
    ]);
}
