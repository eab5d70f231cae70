import { Link } from "react-router";
import { problemOf } from "../api/answers";
import { acceptedImages, useRules } from "../api/config";
import { useFaceSearchMutation } from "./queries";
import { ErrorNote } from "../ui/ErrorNote";
import { DropZone } from "../ui/DropZone";

/** Drop a photo of someone: who it is across the caller's library, as characters (their face, name,
 * manifest and the images of them that match), most alike first. */
export function FaceSearchPage() {
  const accept = acceptedImages(useRules());
  const search = useFaceSearchMutation();
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
        <section aria-label="Who it is">
          <p>
            {found.characters.length === 0
              ? "Nobody in your library looks like this person"
              : found.characters.length === 1
                ? "One person in your library looks like this"
                : `${found.characters.length} people in your library look like this, most alike first`}{" "}
            ({Math.round(found.min_similarity * 100)}% likeness or more
            {found.faces_in_query > 1 && `; the largest of the ${found.faces_in_query} faces in the photo was searched`}).
          </p>
          <ul className="found-people">
            {found.characters.map((c) => (
              <li key={`${c.manifest_id}/${c.character_id ?? c.face_asset_id}`} aria-label={`${c.name} in ${c.manifest_name}`}>
                {c.thumbnail_url ? <img className="face" src={c.thumbnail_url} alt={c.name} /> : <span className="face empty" aria-hidden="true" />}
                <div>
                  <p>
                    <strong>{c.name}</strong> <span className="handle">{c.handle}</span> · {Math.round(c.similarity * 100)}% alike
                  </p>
                  <p className="meta">
                    in <Link to={`/manifests/${c.manifest_id}?q=${encodeURIComponent(c.handle)}`}>{c.manifest_name}</Link>
                  </p>
                  <ul className="photos small" aria-label={`The images of ${c.name} that match`}>
                    {c.matches.map((m) => (
                      <li key={m.asset_id}>
                        {m.thumbnail_url && <img className="thumb-square" src={m.thumbnail_url} alt={`${c.name}: ${m.name}, ${Math.round(m.similarity * 100)}% alike`} loading="lazy" />}
                      </li>
                    ))}
                  </ul>
                </div>
              </li>
            ))}
          </ul>
        </section>
      )}
    </main>
  );
}
