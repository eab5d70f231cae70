import { useMutation } from "@tanstack/react-query";
import { Link } from "react-router";
import { must, problemOf } from "../api/answers";
import { api } from "../api/client";
import { acceptedImages, useRules } from "../api/config";
import { multipart } from "../api/multipart";
import { ErrorNote } from "../ui/ErrorNote";
import { DropZone } from "../ui/DropZone";

/** Drop a photo of someone: every asset across the caller's library that shows that face. */
export function FaceSearchPage() {
  const accept = acceptedImages(useRules());
  // A search sends a photo (the route takes JSON or a multipart upload; this is the upload), so it
  // is a mutation: its answer is this page's, not a cached read.
  const search = useMutation({
    mutationFn: (file: File) => must(api.POST("/api/faces/search", multipart<{ file: string }>({ file }))),
  });
  const found = search.data;
  const start = (file: File | undefined) => file && search.mutate(file);

  return (
    <main>
      <h1>Face search</h1>
      <DropZone label="Photo to search with" onFiles={(files) => start(files[0])}>
        <p>Drop a photo of someone to find that person across your library.</p>
        <label className="pick">
          Choose a photo
          <input type="file" accept={accept} onChange={(e) => start(e.target.files?.[0])} />
        </label>
        {search.isPending && <span>Searching…</span>}
      </DropZone>
      <ErrorNote message={problemOf(search.error)} />
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
