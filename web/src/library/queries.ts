// The library's reads and writes: one page of the caller's manifests, for pickers (a project's
// manifest, a promoted frame's), and the writes that change which manifests there are. Each write
// says what it changed: the library is the server's, so its pages are read again.
import { queryOptions, useMutation, useQueryClient } from "@tanstack/react-query";
import { must } from "../api/answers";
import { api, type Schemas } from "../api/client";
import { type ManifestListQuery, keys } from "../api/keys";

export function manifestListQuery(query: ManifestListQuery) {
  return queryOptions({
    queryKey: keys.manifestList(query),
    queryFn: ({ signal }) => must(api.GET("/api/manifests", { params: { query }, signal })),
  });
}

/** A new manifest: the lists are read again (not waited for: the creator goes on to the manifest). */
export function useCreateManifestMutation() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["ManifestCreate"]) => must(api.POST("/api/manifests", { body })),
    onSuccess: () => void client.invalidateQueries({ queryKey: keys.manifests }),
  });
}

const manifestPath = (manifestId: string) => ({ params: { path: { manifest_id: manifestId } } });

/** A copy of a manifest: a new card in the lists. */
export function useDuplicateManifestMutation(manifestId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => must(api.POST("/api/manifests/{manifest_id}/duplicate", manifestPath(manifestId))),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.manifests }),
  });
}

/** A manifest deleted (soft: projects keep their snapshot): the lists and the manifest itself. */
export function useDeleteManifestMutation(manifestId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => must(api.DELETE("/api/manifests/{manifest_id}", manifestPath(manifestId))),
    onSuccess: () =>
      Promise.all([client.invalidateQueries({ queryKey: keys.manifests }), client.invalidateQueries({ queryKey: keys.manifest(manifestId) })]),
  });
}
