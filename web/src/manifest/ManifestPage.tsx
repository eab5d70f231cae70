import { useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import type { Schemas } from "../api/client";
import { ProcessingPanel } from "./ProcessingPanel";
import { manifestQuery } from "./queries";
import { type Filter, sections } from "./registry";
import { RegistryList } from "./RegistryList";
import { Uploader } from "./Uploader";
import { ASSET_TYPES, type AssetType } from "./upload";
import { Loading, Unavailable } from "../ui/PageStates";
import { TYPE_WORDS } from "../ui/words";

export function ManifestPage() {
  const { manifestId = "" } = useParams();
  const { data: manifest, error } = useQuery(manifestQuery(manifestId));

  if (error && !manifest) return <Unavailable error={error} back={{ to: "/", label: "Back to the library" }} />;
  if (!manifest) return <Loading />;
  // A new manifest id (a link from face search) is a new page: its uploader's type follows its category.
  return <ManifestView key={manifest.id} manifest={manifest} />;
}

/** A manifest opens on its cast: who is in it, by face; then everything else by type. Adding photos
 * and the run's steps are one line each until opened. Search and the type filter live in the
 * address (?q=…&type=…), so a reload or a shared link shows the same cards. */
function ManifestView({ manifest }: { manifest: Schemas["ManifestDetail"] }) {
  const [params, setParams] = useSearchParams();
  const text = params.get("q") ?? "";
  const asked = params.get("type") ?? "";
  const type = (ASSET_TYPES as string[]).includes(asked) ? (asked as AssetType) : "";
  const filter: Filter = useMemo(() => ({ text, type }), [text, type]);
  const [adding, setAdding] = useState(manifest.asset_count === 0);
  // A run started: the photos are in, and what the run makes comes next on the first screen.
  const status = manifest.status;
  useEffect(() => {
    if (status === "PROCESSING") setAdding(false);
  }, [status]);
  const shown = useMemo(() => sections(manifest.assets, manifest.cast ?? [], filter), [manifest, filter]);
  const set = (key: string, value: string) =>
    setParams(
      (before) => {
        const next = new URLSearchParams(before);
        if (value) next.set(key, value);
        else next.delete(key);
        return next;
      },
      { replace: true },
    );
  const cast = manifest.cast ?? [];
  const filtering = Boolean(filter.text || filter.type);
  const crowd = shown.some((section) => section.kind === "tiles" && section.tiles.some((t) => t.crowd));

  return (
    <main className="manifest-page">
      <p>
        <Link to="/">← Library</Link>
      </p>
      <h1>{manifest.name}</h1>
      <p className="meta">
        {cast.length}{" "}
        {cast.length === 1 ? "character" : "characters"} · {manifest.asset_count} {manifest.asset_count === 1 ? "image" : "images"} · version{" "}
        {manifest.version}
        {manifest.contact_sheet_url && (
          <>
            {" "}
            · <a href={manifest.contact_sheet_url} target="_blank" rel="noreferrer" download>
              Contact sheet
            </a>
          </>
        )}
      </p>
      {manifest.fork_project_id && (
        <p className="meta">
          A fork&apos;s own manifest: it lives with <Link to={`/projects/${manifest.fork_project_id}`}>its project</Link>, not among your libraries.
        </p>
      )}
      <ProcessingPanel manifestId={manifest.id} />
      <details className="opener add-photos" open={adding} onToggle={(e) => setAdding(e.currentTarget.open)}>
        <summary>Add photos</summary>
        <Uploader manifestId={manifest.id} category={manifest.category} />
      </details>
      {manifest.asset_count === 0 ? (
        <p className="empty-note">
          No photos yet. Add photos of your characters (one person's face in each works best), their objects and places; then Process: it finds the
          faces, makes a character of each person and describes every image for the video model.
        </p>
      ) : (
        <>
          <search className="filters" aria-label="Find in this manifest">
            <label>
              Search
              <input type="search" value={filter.text} onChange={(e) => set("q", e.target.value)} placeholder="name, handle or description" />
            </label>
            <label>
              Show
              <select value={filter.type} onChange={(e) => set("type", e.target.value)}>
                <option value="">Everything</option>
                {ASSET_TYPES.map((t) => (
                  <option key={t} value={t}>
                    {TYPE_WORDS[t]}
                  </option>
                ))}
              </select>
            </label>
          </search>
          {filtering && shown.length === 0 && <p className="empty-note">Nothing here matches: try another word, or show everything.</p>}
          {!filtering && cast.length === 0 && manifest.status !== "PROCESSING" && (
            <p className="empty-note">
              {crowd
                ? "No characters yet: the people of a group photo join the cast when you add them (Add to the cast, under their faces below)."
                : "No characters yet: Process finds the faces in the photos and makes a character of each person."}
            </p>
          )}
          <RegistryList sections={shown} />
        </>
      )}
    </main>
  );
}
