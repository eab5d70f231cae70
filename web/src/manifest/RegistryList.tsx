import { useWindowVirtualizer } from "@tanstack/react-virtual";
import { useLayoutEffect, useMemo, useRef, useState } from "react";
import type { Schemas } from "../api/client";
import { AssetCard } from "./AssetCard";
import { ASSET_TYPES } from "./upload";

type Asset = Schemas["AssetOut"];
export type Row = { kind: "heading"; type: string; count: number } | { kind: "cards"; items: { asset: Asset; source?: Asset }[] };

const CARD_MIN_PX = 320;

/** Sources first in their display order, each followed by the crops cut from it. */
export function withCropsUnderSources(assets: Asset[]): { asset: Asset; source?: Asset }[] {
  const byId = new Map(assets.map((a) => [a.id, a]));
  const children = new Map<string, Asset[]>();
  const roots: Asset[] = [];
  for (const a of assets) {
    const source = a.source_asset_id ? byId.get(a.source_asset_id) : undefined;
    if (source) children.set(source.id, [...(children.get(source.id) ?? []), a]);
    else roots.push(a);
  }
  return roots.flatMap((root) => [{ asset: root }, ...(children.get(root.id) ?? []).map((c) => ({ asset: c, source: root }))]);
}

/** The registry as rows: a heading per asset type, then its cards `columns` to a row. */
export function registryRows(assets: Asset[], columns: number): Row[] {
  return ASSET_TYPES.flatMap((type) => {
    const ordered = withCropsUnderSources(assets.filter((a) => a.asset_type === type));
    if (ordered.length === 0) return [];
    const rows: Row[] = [{ kind: "heading", type, count: ordered.length }];
    for (let i = 0; i < ordered.length; i += columns) rows.push({ kind: "cards", items: ordered.slice(i, i + columns) });
    return rows;
  });
}

/** Every asset, by type, in a window: only the rows on screen (and a few around) are in the page,
 * so a 1,000-asset registry shows its first cards as fast as a small one. */
export function RegistryList({ assets }: { assets: Asset[] }) {
  const container = useRef<HTMLDivElement>(null);
  const [columns, setColumns] = useState(3);
  const [offset, setOffset] = useState(0);

  useLayoutEffect(() => {
    const node = container.current;
    if (!node) return;
    const fit = () => {
      setColumns(Math.max(1, Math.floor(node.clientWidth / CARD_MIN_PX)));
      setOffset(node.getBoundingClientRect().top + window.scrollY);
    };
    fit();
    const watcher = new ResizeObserver(fit);
    watcher.observe(node);
    return () => watcher.disconnect();
  }, []);

  const rows = useMemo(() => registryRows(assets, columns), [assets, columns]);
  const virtualizer = useWindowVirtualizer({
    count: rows.length,
    estimateSize: (i) => (rows[i].kind === "heading" ? 56 : 520),
    overscan: 2,
    scrollMargin: offset,
  });

  return (
    <div ref={container} className="registry" style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
      {virtualizer.getVirtualItems().map((item) => {
        const row = rows[item.index];
        return (
          <div
            key={item.key}
            data-index={item.index}
            ref={virtualizer.measureElement}
            className="registry-row"
            style={{ position: "absolute", top: 0, left: 0, width: "100%", transform: `translateY(${item.start - virtualizer.options.scrollMargin}px)` }}
          >
            {row.kind === "heading" ? (
              <h2>
                {row.type} · {row.count}
              </h2>
            ) : (
              <div className="assets" style={{ gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))` }}>
                {row.items.map(({ asset, source }) => (
                  <AssetCard key={asset.id} asset={asset} sourceTag={source?.manifest_tag} />
                ))}
              </div>
            )}
          </div>
        );
      })}
    </div>
  );
}
