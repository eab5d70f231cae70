import { useWindowVirtualizer } from "@tanstack/react-virtual";
import { useLayoutEffect, useMemo, useRef, useState } from "react";
import { AssetTile } from "./AssetTile";
import { CharacterCard } from "./CharacterCard";
import { DraftStore } from "./drafts";
import type { Character, Section, Tile } from "./registry";

export type Row =
  | { kind: "heading"; title: string; count: number }
  | { kind: "characters"; items: Character[] }
  | { kind: "tiles"; items: Tile[] };

const CHARACTER_MIN_PX = 340;
const TILE_MIN_PX = 170;

export interface Columns {
  characters: number;
  tiles: number;
}

export function columnsFor(width: number): Columns {
  return { characters: Math.max(1, Math.floor(width / CHARACTER_MIN_PX)), tiles: Math.max(1, Math.floor(width / TILE_MIN_PX)) };
}

/** The sections as rows: a heading per section, then its cards so many to a row. */
export function registryRows(sections: Section[], columns: Columns): Row[] {
  return sections.flatMap((section): Row[] => {
    const items = section.kind === "cast" ? section.characters : section.tiles;
    const per = section.kind === "cast" ? columns.characters : columns.tiles;
    const rows: Row[] = [{ kind: "heading", title: section.title, count: items.length }];
    for (let i = 0; i < items.length; i += per) {
      rows.push(section.kind === "cast" ? { kind: "characters", items: section.characters.slice(i, i + per) } : { kind: "tiles", items: section.tiles.slice(i, i + per) });
    }
    return rows;
  });
}

/** What a row shows, as its key: a row's measured size belongs to its content, not its place. */
export function rowKey(row: Row): string {
  if (row.kind === "heading") return `h:${row.title}`;
  if (row.kind === "characters") return `c:${row.items.map((c) => c.member.character_id).join(",")}`;
  return `t:${row.items.map((t) => t.asset.id).join(",")}`;
}

/** The registry in a window: only the rows on screen (and a few around) are in the page, so a
 * 1,000-asset manifest shows its first cards as fast as a small one. Which disclosures are open,
 * and what was typed and not saved (drafts.tsx), are kept here: a card scrolled away and back, or
 * moved by a search, finds them again. */
export function RegistryList({ sections }: { sections: Section[] }) {
  const container = useRef<HTMLDivElement>(null);
  const [columns, setColumns] = useState<Columns>({ characters: 3, tiles: 5 });
  const [offset, setOffset] = useState(0);
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const opened = (id: string) => (part: string) => open.has(`${id}:${part}`);
  const toggle = (id: string) => (part: string) => (isOpen: boolean) =>
    setOpen((before) => {
      const key = `${id}:${part}`;
      if (before.has(key) === isOpen) return before;
      const next = new Set(before);
      if (isOpen) next.add(key);
      else next.delete(key);
      return next;
    });

  useLayoutEffect(() => {
    const node = container.current;
    if (!node) return;
    const fit = () => {
      const next = columnsFor(node.clientWidth);
      setColumns((before) => (before.characters === next.characters && before.tiles === next.tiles ? before : next));
      setOffset(node.getBoundingClientRect().top + window.scrollY);
    };
    fit();
    // Its own width sets the columns; the page's height moving above it (a panel opened over the
    // list) moves where its rows start.
    const watcher = new ResizeObserver(fit);
    watcher.observe(node);
    watcher.observe(document.body);
    return () => watcher.disconnect();
  }, []);

  const rows = useMemo(() => registryRows(sections, columns), [sections, columns]);
  const virtualizer = useWindowVirtualizer({
    count: rows.length,
    estimateSize: (i) => (rows[i].kind === "heading" ? 56 : rows[i].kind === "characters" ? 300 : 320),
    getItemKey: (i) => rowKey(rows[i]),
    overscan: 2,
    scrollMargin: offset,
  });

  return (
    <DraftStore>
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
              {row.kind === "heading" && (
                <h2>
                  {row.title} <span className="count">{row.count}</span>
                </h2>
              )}
              {row.kind === "characters" && (
                <div className="cards" style={{ gridTemplateColumns: `repeat(${columns.characters}, minmax(0, 1fr))` }}>
                  {row.items.map((c) => (
                    <CharacterCard key={c.member.character_id} character={c} opened={opened(c.member.character_id)} onToggle={toggle(c.member.character_id)} />
                  ))}
                </div>
              )}
              {row.kind === "tiles" && (
                <div className="cards" style={{ gridTemplateColumns: `repeat(${columns.tiles}, minmax(0, 1fr))` }}>
                  {row.items.map((t) => (
                    <AssetTile key={t.asset.id} tile={t} opened={opened(t.asset.id)} onToggle={toggle(t.asset.id)} />
                  ))}
                </div>
              )}
            </div>
          );
        })}
      </div>
    </DraftStore>
  );
}
