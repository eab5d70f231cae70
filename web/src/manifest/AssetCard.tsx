import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { must, problemOf } from "../api/answers";
import { api, type Schemas } from "../api/client";
import { EditableText } from "./EditableText";
import { useManifestChanged } from "./queries";
import { ASSET_TYPES } from "./upload";
import { Views } from "./Views";
import { ErrorNote } from "../ui/ErrorNote";
import { Choice } from "../ui/Choice";

type Asset = Schemas["AssetOut"];
type AssetUpdate = Schemas["AssetUpdate"];
type Answer = Promise<{ data?: unknown; error?: unknown; response: Response }>;

/** One asset of the registry: its tag and image, what the run found, and every edit a creator makes. */
export function AssetCard({ asset, sourceTag }: { asset: Asset; sourceTag?: string }) {
  const [problem, setProblem] = useState<string | null>(null);
  const changed = useManifestChanged();
  const path = { params: { path: { asset_id: asset.id } } };
  // An edit counts as done once the registry shows it: the manifest is read again before it settles.
  const edit = useMutation({
    mutationFn: (body: AssetUpdate) => must(api.PUT("/api/assets/{asset_id}", { ...path, body })),
    onSuccess: () => changed(asset.manifest_id),
  });
  const act = useMutation({ mutationFn: (run: () => Answer) => must(run()), onSettled: () => changed(asset.manifest_id) });

  /** null when saved, else why not. */
  const update = (body: AssetUpdate) => edit.mutateAsync(body).then(() => null, problemOf);
  function perform(run: () => Answer, confirmText?: string) {
    if (confirmText && !window.confirm(confirmText)) return;
    act.mutateAsync(run).then(() => setProblem(null), (e: unknown) => setProblem(problemOf(e)));
  }
  const warnings = (asset.quality_checks ?? []).filter((c) => c.severity === "warning");
  const notes = (asset.quality_checks ?? []).filter((c) => c.severity === "info");

  return (
    <article className="asset" aria-label={`${asset.manifest_tag} ${asset.name}`}>
      {asset.thumbnail_url ? <img className="thumb" src={asset.thumbnail_url} alt={asset.name} loading="lazy" /> : <div className="thumb empty">no image</div>}
      <div className="asset-body">
        <p className="tag">
          <strong>{asset.manifest_tag}</strong> · {asset.source ?? "upload"}
          {sourceTag && <> · crop of {sourceTag}</>}
          {asset.duplicate_of && <span className="badge">duplicate</span>}
        </p>
        <EditableText label="Name" value={asset.name} save={(name) => update({ name })} />
        <Choice label="Type" value={asset.asset_type} options={ASSET_TYPES} onChange={(asset_type) => void update({ asset_type }).then(setProblem)} />
        {warnings.map((w) => (
          <p key={w.code} className="warning">
            ⚠ {w.message}
          </p>
        ))}
        {notes.map((n) => (
          <p key={n.code} className="note">
            {n.message}
          </p>
        ))}
        {asset.identity_note && <p className="note">{asset.identity_note}</p>}
        {(asset.identity_suggestions ?? []).map((s) => (
          <p key={s.asset_id} className="note">
            Looks like {s.manifest_tag} ({Math.round(s.similarity * 100)}% alike){" "}
            <button type="button" onClick={() => void update({ identity_of: s.asset_id }).then(setProblem)}>
              Same person
            </button>
          </p>
        ))}
        <EditableText label="Reverse prompt" value={asset.reverse_prompt ?? ""} save={(reverse_prompt) => update({ reverse_prompt })} />
        <EditableText label="Visual description" value={asset.visual_description ?? ""} save={(visual_description) => update({ visual_description })} />
        <Views asset={asset} />
        <div className="actions">
          <button type="button" onClick={() => perform(() => api.POST("/api/assets/{asset_id}/reprocess", path))}>
            Reprocess
          </button>
          <button type="button" className="danger" onClick={() => perform(() => api.DELETE("/api/assets/{asset_id}", path), `Delete ${asset.manifest_tag} ${asset.name}?`)}>
            Delete
          </button>
        </div>
        <ErrorNote message={problem} />
      </div>
    </article>
  );
}
