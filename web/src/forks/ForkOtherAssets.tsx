import type { Schemas } from "../api/client";
import { ASSET_MODES, withAsset } from "./draft";
import { ForkAssetEditor } from "./ForkAssetEditor";
import type { DraftProps } from "./parts";

/** The snapshot's objects, places and styles (no character's): each locked, edited or removed. */
export function ForkOtherAssets({ assets, draft, update, accept }: DraftProps & { assets: Schemas["SnapshotOut"]["assets"]; accept: string }) {
  const others = assets.filter((a) => !a.character_id);
  return (
    <>
      {others.length > 0 && <h3>Other assets</h3>}
      <ul className="fork-assets" aria-label="Other assets">
        {others.map((a) => {
          const d = draft.assets[a.id];
          if (!d) return null;
          const change = (patch: Parameters<typeof withAsset>[2]) => update((current) => withAsset(current, a.id, patch));
          return (
            <li key={a.id} aria-label={`${a.manifest_tag} ${a.name}`}>
              {a.thumbnail_url && <img src={a.thumbnail_url} alt="" />}
              <strong>{a.manifest_tag}</strong> {a.name}
              <span role="radiogroup" aria-label={`What happens to ${a.manifest_tag}`}>
                {ASSET_MODES.map((m) => (
                  <label key={m} className="check">
                    <input type="radio" name={`mode-${a.id}`} checked={d.mode === m} onChange={() => change({ mode: m })} /> {m}
                  </label>
                ))}
              </span>
              {d.mode === "edit" && <ForkAssetEditor asset={a} draft={d} accept={accept} onChange={change} />}
            </li>
          );
        })}
      </ul>
    </>
  );
}
