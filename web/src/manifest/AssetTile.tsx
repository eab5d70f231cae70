import { problemOf } from "../api/answers";
import { AssetEditor } from "./AssetEditor";
import { useAssetUpdateMutation } from "./queries";
import type { Tile } from "./registry";
import { ErrorNote } from "../ui/ErrorNote";

/** An object, place, style, or a person the run could not make a character of: the whole image
 * (never cut to fit), its name and tag; editing behind "Details". One of the people of a group
 * photo says so, and can be added to the cast. */
export function AssetTile({ tile, opened, onToggle }: { tile: Tile; opened: (part: string) => boolean; onToggle: (part: string) => (open: boolean) => void }) {
  const { asset, source } = tile;
  const join = useAssetUpdateMutation(asset);
  const warned = (asset.quality_checks ?? []).some((c) => c.severity === "warning") || Boolean(asset.upload_error);
  return (
    <article className="asset" aria-label={`${asset.manifest_tag} ${asset.name}`}>
      {asset.thumbnail_url ? (
        <img className="thumb" src={asset.thumbnail_url} alt={asset.name} loading="lazy" />
      ) : (
        <div className="thumb empty" role="img" aria-label={`${asset.name}: no image yet`}>
          …
        </div>
      )}
      <h3>{asset.name}</h3>
      <p className="meta">
        <span className="handle">{asset.manifest_tag}</span>
        {source && (tile.crowd ? <> · in the photo {source.name}</> : <> · cut from {source.name}</>)}
        {warned && <span className="badge">needs a look</span>}
      </p>
      {tile.crowd && (
        <button type="button" onClick={() => join.mutate({ in_cast: true })} disabled={join.isPending}>
          Add to the cast
        </button>
      )}
      <ErrorNote message={problemOf(join.error)} />
      <details className="details" open={opened("details")} onToggle={(e) => onToggle("details")(e.currentTarget.open)}>
        <summary>Details</summary>
        {opened("details") && <AssetEditor asset={asset} sourceName={source?.name} />}
      </details>
    </article>
  );
}
