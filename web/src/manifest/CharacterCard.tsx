import type { Schemas } from "../api/client";
import { AssetEditor } from "./AssetEditor";
import { type Character, characterCounts, facePosition } from "./registry";

type Asset = Schemas["AssetOut"];

/** A character: the face (the face the run found, not a centre crop), the name and the handle
 * prompts use, its photos with their other angles, and what the run cut from each photo folded
 * under it. Editing and the run's machinery wait behind "Details". */
export function CharacterCard({ character, opened, onToggle }: { character: Character; opened: (part: string) => boolean; onToggle: (part: string) => (open: boolean) => void }) {
  const { member, face, uploads, cuts } = character;
  const cut = cuts.flatMap((g) => g.crops); // faces and figures
  const who = member.name;
  return (
    <article className="character-card" aria-label={`${member.handle} ${who}`}>
      <header>
        {face ? <img className="face" src={face} alt={who} /> : <div className="face empty" aria-hidden="true" />}
        <div>
          <h3>{who}</h3>
          <p className="meta">
            <span className="handle">{member.handle}</span> · {characterCounts(character)}
          </p>
        </div>
      </header>
      <ul className="photos" aria-label={`Photos of ${who}`}>
        {uploads.map((photo) => (
          <li key={photo.id}>
            <Thumb asset={photo} alt={`${who}: ${photo.name}`} position={facePosition(photo, cut)} />
            {(photo.views ?? []).map((v) => (
              <figure key={v.id} className="angle">
                {v.thumbnail_url && <img src={v.thumbnail_url} alt={`${who}, ${v.view} view`} loading="lazy" />}
                <figcaption>{v.view}</figcaption>
              </figure>
            ))}
          </li>
        ))}
      </ul>
      {cuts.length > 0 && (
        <details className="cuts" open={opened("cuts")} onToggle={(e) => onToggle("cuts")(e.currentTarget.open)}>
          <summary>Cut by the run ({cut.length})</summary>
          {cuts.map(({ source, crops }) => (
            <div key={crops[0].source_asset_id ?? crops[0].id} className="cut-group">
              <p className="meta">from {source?.name ?? "another photo"}</p>
              <ul className="photos small" aria-label={`Cut from ${source?.name ?? "another photo"}`}>
                {crops.map((crop) => (
                  <li key={crop.id}>
                    <Thumb asset={crop} alt={`${who}: ${crop.is_face_crop ? "face" : "figure"} from ${source?.name ?? "a photo"}`} />
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </details>
      )}
      <details className="details" open={opened("details")} onToggle={(e) => onToggle("details")(e.currentTarget.open)}>
        <summary>Details</summary>
        {opened("details") &&
          [...uploads, ...cut].map((a) => (
            <AssetEditor key={a.id} asset={a} sourceName={uploads.find((u) => u.id === a.source_asset_id)?.name} />
          ))}
      </details>
    </article>
  );
}

export function Thumb({ asset, alt, position }: { asset: Asset; alt: string; position?: string }) {
  return asset.thumbnail_url ? (
    <img className="thumb-square" src={asset.thumbnail_url} alt={alt} loading="lazy" style={position ? { objectPosition: position } : undefined} />
  ) : (
    <span className="thumb-square empty" role="img" aria-label={`${alt}: no image yet`} />
  );
}
