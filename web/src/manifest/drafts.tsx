// What a creator has typed into the registry's editors and not saved yet, by asset id, kept above
// the virtualized rows: a card scrolled away (its row unmounted) or moved by a search finds its
// draft again when it comes back.
import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from "react";
import type { Schemas } from "../api/client";

type Draft = Schemas["AssetUpdate"];
type Drafts = { get: (id: string) => Draft; set: (id: string, change: (before: Draft) => Draft) => void };

const Store = createContext<Drafts | null>(null);

export function DraftStore({ children }: { children: ReactNode }) {
  const [drafts, setDrafts] = useState<ReadonlyMap<string, Draft>>(new Map());
  const set = useCallback(
    (id: string, change: (before: Draft) => Draft) =>
      setDrafts((all) => {
        const next = new Map(all);
        const draft = change(all.get(id) ?? {});
        if (Object.keys(draft).length) next.set(id, draft);
        else next.delete(id);
        return next;
      }),
    [],
  );
  const value = useMemo(() => ({ get: (id: string) => drafts.get(id) ?? {}, set }), [drafts, set]);
  return <Store.Provider value={value}>{children}</Store.Provider>;
}

/** An asset's unsaved edits: from the store above the registry, or held here without one. */
export function useDraft(assetId: string): [Draft, (change: (before: Draft) => Draft) => void] {
  const store = useContext(Store);
  const [own, setOwn] = useState<Draft>({});
  if (!store) return [own, setOwn];
  return [store.get(assetId), (change) => store.set(assetId, change)];
}
