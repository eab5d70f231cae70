// One page of the caller's manifests, for pickers (a project's manifest, a promoted frame's).
import { queryOptions } from "@tanstack/react-query";
import { must } from "../api/answers";
import { api } from "../api/client";
import { type ManifestListQuery, keys } from "../api/keys";

export function manifestListQuery(query: ManifestListQuery) {
  return queryOptions({
    queryKey: keys.manifestList(query),
    queryFn: ({ signal }) => must(api.GET("/api/manifests", { params: { query }, signal })),
  });
}
