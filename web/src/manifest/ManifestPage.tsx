import { useCallback } from "react";
import { Link, useParams } from "react-router";
import { api, type Schemas } from "../api/client";
import { errorMessage } from "../api/errors";
import { AssetCard } from "./AssetCard";
import { CastSection } from "./CastSection";
import { ProcessingPanel } from "./ProcessingPanel";
import { ASSET_TYPES } from "./upload";
import { Uploader } from "./Uploader";
import { useServer } from "./useServer";

type Detail = Schemas["ManifestDetail"];
type Asset = Schemas["AssetOut"];

/** Sources first in their display order, each followed by the crops cut from it. */
export function withCropsUnderSources(assets: Asset[]): { asset: Asset; source?: Asset }[] {
  const byId = new Map(assets.map((a) => [a.id, a]));
  const children = new Map<string, Asset[]>();
  const roots: Asset[] = [];
  for (const a of assets) {
    const source = a.source_asset_id ? byId.get(a.source_asset_id) : undefined;
    if (source) children.set(source.id, [...(children.get(source.id) ?? []), a]);
    else roots.push(a);
  }
  return roots.flatMap((root) => [{ asset: root }, ...(children.get(root.id) ?? []).map((c) => ({ asset: c, source: root }))]);
}

export function ManifestPage() {
  const { manifestId = "" } = useParams();
  const read = useCallback(async () => {
    const { data, error, response } = await api.GET("/api/manifests/{manifest_id}", {
      params: { path: { manifest_id: manifestId } },
    });
    return data ? { data } : { message: errorMessage(error, response.status) };
  }, [manifestId]);
  const { data: manifest, error, reload } = useServer<Detail>(read, (m) => m.status === "PROCESSING", 2500);
  const refresh = useCallback(() => void reload(), [reload]);

  if (error && !manifest)
    return (
      <main>
        <p role="alert" className="error">
          {error}
        </p>
        <Link to="/">Back to the library</Link>
      </main>
    );
  if (!manifest) return <main aria-busy="true">Loading…</main>;
  const byId = new Map(manifest.assets.map((a) => [a.id, a]));
  return (
    <main>
      <p>
        <Link to="/">← Library</Link>
      </p>
      <h1>{manifest.name}</h1>
      <p className="meta">
        {manifest.category} · <span className={`status ${manifest.status}`}>{manifest.status}</span> · version {manifest.version} ·{" "}
        {manifest.asset_count} assets
        {manifest.contact_sheet_url && (
          <>
            {" "}
            · <a href={manifest.contact_sheet_url} target="_blank" rel="noreferrer" download>
              Contact sheet
            </a>
          </>
        )}
      </p>
      <Uploader manifestId={manifest.id} category={manifest.category} onUploaded={refresh} />
      <ProcessingPanel manifestId={manifest.id} onFinished={refresh} />
      <CastSection cast={manifest.cast ?? []} assets={byId} />
      {ASSET_TYPES.map((type) => {
        const ofType = manifest.assets.filter((a) => a.asset_type === type);
        if (ofType.length === 0) return null;
        return (
          <section key={type} aria-label={`${type} assets`}>
            <h2>
              {type} · {ofType.length}
            </h2>
            <div className="assets">
              {withCropsUnderSources(ofType).map(({ asset, source }) => (
                <AssetCard key={asset.id} asset={asset} sourceTag={source?.manifest_tag} onChanged={refresh} />
              ))}
            </div>
          </section>
        );
      })}
    </main>
  );
}
