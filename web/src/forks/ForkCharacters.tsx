import type { Schemas } from "../api/client";
import { faceOf } from "../manifest";
import { CHARACTER_MODES, characterMode, withAsset, withCharacterMode } from "./draft";
import { ForkAssetEditor } from "./ForkAssetEditor";
import type { DraftProps } from "./parts";

type Snapshot = Schemas["SnapshotOut"];

/** The snapshot's cast, a character at a time: kept, its naming photo edited, or removed with every
 * image of it. */
export function ForkCharacters({ snapshot, draft, update, accept }: DraftProps & { snapshot: Snapshot; accept: string }) {
  const byId = new Map(snapshot.assets.map((a) => [a.id, a]));
  return (
    <>
      <h3>Characters</h3>
      <ul className="fork-assets" aria-label="Characters">
        {(snapshot.cast ?? []).map((member) => {
          const named = byId.get(member.named_asset_id); // the asset whose tag is the character's handle
          if (!named) return null;
          const face = faceOf(member, byId);
          const images = member.asset_ids?.length ?? 0;
          const d = draft.assets[named.id];
          const mode = characterMode(draft, member.character_id, named.id);
          return (
            <li key={member.character_id} aria-label={`${member.handle} ${member.name}`}>
              {face && <img src={face} alt="" />}
              <strong>{member.handle}</strong> {member.name} <small>{images === 1 ? "1 image" : `${images} images`}</small>
              <span role="radiogroup" aria-label={`What happens to ${member.name}`}>
                {CHARACTER_MODES.map((m) => (
                  <label key={m} className="check">
                    <input
                      type="radio"
                      name={`character-${member.character_id}`}
                      checked={mode === m}
                      onChange={() => update((current) => withCharacterMode(current, member.character_id, named.id, m))}
                    />{" "}
                    {m}
                  </label>
                ))}
              </span>
              {mode === "remove" && <p className="note">Every image of {member.name} goes: uploads, crops and faces.</p>}
              {mode === "edit" && d && (
                <ForkAssetEditor asset={named} draft={d} accept={accept} onChange={(patch) => update((current) => withAsset(current, named.id, patch))} />
              )}
            </li>
          );
        })}
      </ul>
    </>
  );
}
