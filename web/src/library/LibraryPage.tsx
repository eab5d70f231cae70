import { useEffect, useMemo, useRef, useState } from "react";
import type { Schemas } from "../api/client";
import { categoriesOf, useRules } from "../api/config";
import { CreateManifestForm } from "./CreateManifestForm";
import { ManifestCard } from "./ManifestCard";
import { type LibraryQuery, useManifestPages } from "./useManifestPages";
import { ErrorNote } from "../ui/ErrorNote";
import { Opener } from "../ui/Opener";
import { Choice } from "../ui/Choice";

const STATUSES: Schemas["ManifestStatus"][] = ["DRAFT", "PROCESSING", "READY", "ERROR"];
const SORTS: [LibraryQuery["sort"], string][] = [
  ["updated_at", "Recently updated"],
  ["name", "Name"],
  ["times_used", "Times used"],
  ["asset_count", "Asset count"],
];

export function LibraryPage() {
  const categories = categoriesOf(useRules());
  const [category, setCategory] = useState("");
  const [status, setStatus] = useState("");
  const [sort, setSort] = useState<LibraryQuery["sort"]>("updated_at");
  const query = useMemo<LibraryQuery>(
    () => ({
      sort,
      ...(category ? { category: category as Schemas["Category"] } : {}),
      ...(status ? { status: status as Schemas["ManifestStatus"] } : {}),
    }),
    [category, status, sort],
  );
  const { items: read, loading, error, done, more } = useManifestPages(query);
  // A fork's own manifest lives with its project (the project page shows it), not among the libraries.
  const items = useMemo(() => read.filter((m) => !m.fork_project_id), [read]);
  const sentinel = useRef<HTMLDivElement>(null);
  // "New manifest" starts open on an empty library (or one that could not be read), folded over one
  // with manifests: decided once, at the first page (a filter that finds nothing later does not open it).
  const [startOpen, setStartOpen] = useState<boolean | null>(null);
  const firstRead = items.length > 0 || done || Boolean(error);
  useEffect(() => {
    if (startOpen === null && firstRead) setStartOpen(items.length === 0);
  }, [startOpen, firstRead, items.length]);

  useEffect(() => {
    // Endless scrolling: the next page is read when the end of the list comes into view.
    const node = sentinel.current;
    if (!node) return;
    const watcher = new IntersectionObserver((seen) => seen.some((e) => e.isIntersecting) && more());
    watcher.observe(node);
    return () => watcher.disconnect();
  }, [more]);

  return (
    <main>
      <h1>Library</h1>
      {startOpen !== null && (
        <Opener label="New manifest" open={startOpen}>
          <CreateManifestForm />
        </Opener>
      )}
      <section aria-label="Filters" className="filters">
        <Choice label="Category" value={category} options={categories} onChange={setCategory} none="All" />
        <Choice label="Status" value={status} options={STATUSES} onChange={setStatus} none="All" />
        <label>
          Sort by
          <select value={sort} onChange={(e) => setSort(e.target.value as LibraryQuery["sort"])}>
            {SORTS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
      </section>
      <ErrorNote message={error} />
      <h2 className="sr-only">Manifests</h2>
      <section aria-label="Manifests" className="grid" aria-busy={loading}>
        {items.map((m) => (
          <ManifestCard key={m.id} manifest={m} />
        ))}
      </section>
      {!loading && done && items.length === 0 && (
        <p className="empty-note">
          {category || status
            ? "No manifest here matches these filters."
            : "No manifests yet. Create one above and add photos of your characters, their objects and places: the studio turns them into a cast every shot can use."}
        </p>
      )}
      <div ref={sentinel} aria-hidden="true" />
      {!done && (
        <button type="button" onClick={more} disabled={loading}>
          {loading ? "Loading…" : "Load more"}
        </button>
      )}
    </main>
  );
}
