import { useState } from "react";
import { Link } from "react-router";
import { api, type Schemas } from "../api/client";
import { errorMessage } from "../api/errors";
import { ErrorNote } from "../ui/ErrorNote";
import { multipart } from "../api/multipart";
import { DropZone } from "../ui/DropZone";
import { IMAGE_TYPES } from "../ui/images";

type Found = Schemas["FaceSearchOut"];

/** Drop a photo of someone: every asset across the caller's library that shows that face. */
export function FaceSearchPage() {
  const [found, setFound] = useState<Found | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function search(file: File | undefined) {
    if (!file) return;
    setBusy(true);
    // The route takes JSON or a multipart upload; this is the upload.
    const { data, error, response } = await api.POST("/api/faces/search", multipart<{ file: string }>({ file }));
    setBusy(false);
    setFound(data ?? null);
    setProblem(data ? null : errorMessage(error, response.status));
  }


  return (
    <main>
      <h1>Face search</h1>
      <DropZone label="Photo to search with" onFiles={(files) => void search(files[0])}>
        <p>Drop a photo of someone to find that person across your library.</p>
        <label className="pick">
          Choose a photo
          <input type="file" accept={IMAGE_TYPES} onChange={(e) => void search(e.target.files?.[0])} />
        </label>
        {busy && <span>Searching…</span>}
      </DropZone>
      <ErrorNote message={problem} />
      {found && (
        <section aria-label="Matches">
          <p>
            {found.matches.length} matches at {Math.round(found.min_similarity * 100)}% likeness or more
            {found.faces_in_query > 1 && ` (the largest of ${found.faces_in_query} faces in the photo)`}.
          </p>
          <ul className="matches">
            {found.matches.map((m) => (
              <li key={m.asset_id} aria-label={`${m.manifest_name} ${m.manifest_tag}`}>
                {m.thumbnail_url && <img src={m.thumbnail_url} alt={`${m.manifest_tag} ${m.name}`} />}
                <span>
                  <strong>{Math.round(m.similarity * 100)}%</strong> · <Link to={`/manifests/${m.manifest_id}`}>{m.manifest_name}</Link> ·{" "}
                  {m.manifest_tag} {m.name}
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </main>
  );
}
