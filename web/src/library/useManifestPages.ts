// The caller's manifests, page by page on the API's cursors (X-Next-Cursor). The list is always the
// server's: after a change it is read again, never patched by hand.
import { useCallback, useEffect, useRef, useState } from "react";
import { api, type Manifest, type Schemas } from "../api/client";
import { errorMessage } from "../api/errors";

export interface LibraryQuery {
  category?: Schemas["Category"];
  status?: Schemas["ManifestStatus"];
  sort: "updated_at" | "name" | "times_used" | "asset_count";
}

export const PAGE_SIZE = 24;

export function useManifestPages(query: LibraryQuery) {
  const [items, setItems] = useState<Manifest[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const generation = useRef(0); // answers to an older query are dropped

  const load = useCallback(
    async (from: string | null, reset: boolean) => {
      const mine = reset ? ++generation.current : generation.current;
      setLoading(true);
      const { data, error: body, response } = await api.GET("/api/manifests", {
        params: { query: { ...query, limit: PAGE_SIZE, ...(from ? { cursor: from } : {}) } },
      });
      if (mine !== generation.current) return;
      setLoading(false);
      if (!data) {
        setError(errorMessage(body, response.status));
        return;
      }
      const next = response.headers.get("X-Next-Cursor");
      setError(null);
      setItems((before) => (reset ? data : [...before, ...data]));
      setCursor(next);
      setDone(!next);
    },
    [query],
  );

  useEffect(() => {
    setItems([]);
    setDone(false);
    void load(null, true);
  }, [load]);

  const more = useCallback(() => {
    if (!loading && !done && cursor) void load(cursor, false);
  }, [cursor, done, load, loading]);
  const reload = useCallback(() => load(null, true), [load]);

  return { items, loading, error, done, more, reload };
}
