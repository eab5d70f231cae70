// The caller's manifests, page by page on the API's cursors (X-Next-Cursor). The list is always the
// server's: after a change it is read again (invalidated), never patched by hand; a filter or sort
// changed while a page is on its way drops that answer (its own key; the old request is aborted).
import { useInfiniteQuery } from "@tanstack/react-query";
import { useCallback } from "react";
import { ApiError, problemOf } from "../api/answers";
import { api, type Manifest } from "../api/client";
import { errorMessage } from "../api/errors";
import { type ManifestListQuery, keys } from "../api/keys";

export type LibraryQuery = Omit<ManifestListQuery, "limit"> & { sort: NonNullable<ManifestListQuery["sort"]> };

export const PAGE_SIZE = 24;

interface Page {
  items: Manifest[];
  next: string | null;
}

async function readPage(query: LibraryQuery, cursor: string | null, signal: AbortSignal): Promise<Page> {
  const { data, error, response } = await api.GET("/api/manifests", {
    params: { query: { ...query, limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) } },
    signal,
  });
  if (!data) throw new ApiError(errorMessage(error, response.status), response.status, error);
  return { items: data, next: response.headers.get("X-Next-Cursor") };
}

export function useManifestPages(query: LibraryQuery) {
  const pages = useInfiniteQuery({
    queryKey: keys.manifestPages(query),
    queryFn: ({ pageParam, signal }) => readPage(query, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next,
  });
  const { hasNextPage, isFetching, fetchNextPage } = pages;
  const more = useCallback(() => {
    if (hasNextPage && !isFetching) void fetchNextPage();
  }, [hasNextPage, isFetching, fetchNextPage]);
  return {
    items: pages.data?.pages.flatMap((p) => p.items) ?? [],
    loading: isFetching,
    error: problemOf(pages.error),
    done: pages.isSuccess && !hasNextPage,
    more,
  };
}
