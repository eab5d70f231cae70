import { type FormEvent } from "react";
import { problemOf } from "../api/answers";
import type { Schemas } from "../api/client";
import { useDraft } from "./drafts";
import { useAssetUpdateMutation, useDeleteAssetMutation, useReprocessAssetMutation } from "./queries";
import { renamed, says } from "./rename";
import { ASSET_TYPES } from "./upload";
import { Views } from "./Views";
import { ErrorNote } from "../ui/ErrorNote";
import { Choice } from "../ui/Choice";

type Asset = Schemas["AssetOut"];
type AssetUpdate = Schemas["AssetUpdate"];
type Field = "name" | "asset_type" | "reverse_prompt" | "visual_description";

/** Everything a creator edits on one asset, saved at once, and the run's machinery beside it: what
 * it found, what it cost, the asset's other angles, reprocess and delete. What is typed is kept apart
 * from the server's values (no copy of them in state; drafts.tsx holds it while the card is away):
 * once saved, the fields show the server's. Whether a save is under way, done or refused is the
 * save's own state (its mutation's), not a copy of it. */
export function AssetEditor({ asset, sourceName }: { asset: Asset; sourceName?: string }) {
  const [draft, setDraft] = useDraft(asset.id);
  // A save counts as done once the registry shows it: the manifest is read again before it settles.
  const edit = useAssetUpdateMutation(asset);
  const identify = useAssetUpdateMutation(asset); // "same person as": its own state beside the form's
  const reprocess = useReprocessAssetMutation(asset);
  const remove = useDeleteAssetMutation(asset);
  const problem = [edit, identify, reprocess, remove].map((m) => problemOf(m.error)).find(Boolean) ?? null;

  const shown = (field: Field): string => (draft[field] as string | undefined) ?? asset[field] ?? "";
  const edits = Object.fromEntries(Object.entries(draft).filter(([field, v]) => v !== (asset[field as Field] ?? ""))) as AssetUpdate;
  const dirty = Object.keys(edits).length > 0;
  const type = (field: Field) => (value: string) => {
    setDraft((d) => ({ ...d, [field]: value }));
    if (edit.isSuccess) edit.reset(); // "Saved" says the last save; a new edit starts the next
  };

  function save(event: FormEvent) {
    event.preventDefault();
    const sent = edits;
    // What was sent is saved; what was typed meanwhile stays a draft.
    edit.mutate(sent, {
      onSuccess: () => setDraft((now) => Object.fromEntries(Object.entries(now).filter(([field, v]) => sent[field as keyof AssetUpdate] !== v))),
    });
  }
  // Renamed while a description still says the old name: offer to say the new one there too.
  const newName = shown("name").trim();
  // (Not where it says the new name already: "Obama" renamed "Barack Obama" is said once the offer is taken.)
  const stale = (["reverse_prompt", "visual_description"] as const).filter(
    (f) => newName && newName !== asset.name && says(shown(f), asset.name) && !says(shown(f), newName),
  );
  const sayNewName = () => stale.forEach((f) => type(f)(renamed(shown(f), asset.name, newName)));
  const removeAsked = () => window.confirm(`Delete ${asset.manifest_tag} ${asset.name}?`) && remove.mutate();
  const checks = asset.quality_checks ?? [];

  return (
    <section className="asset-editor" aria-label={`Edit ${asset.manifest_tag} ${asset.name}`}>
      <div className="editor-head">
        {asset.thumbnail_url && <img src={asset.thumbnail_url} alt="" loading="lazy" />}
        <p className="meta">
          <strong>{asset.name}</strong> ·
          {asset.manifest_tag} · {asset.source === "extracted" ? `cut from ${sourceName ?? "a photo"}` : "upload"}
          {asset.detection_class && ` · ${asset.detection_class} ${Math.round((asset.detection_confidence ?? 0) * 100)}%`}
          {asset.quality_score != null && ` · quality ${Math.round(asset.quality_score * 100)}%`}
          {` · processing $${(asset.processing_cost ?? 0).toFixed(4)}`}
          {asset.duplicate_of && " · duplicate"}
        </p>
      </div>
      <form onSubmit={save} className="asset-form">
        <label>
          Name
          <input value={shown("name")} onChange={(e) => type("name")(e.target.value)} required maxLength={200} />
        </label>
        <Choice label="Type" value={shown("asset_type") as Schemas["AssetType"]} options={ASSET_TYPES} onChange={type("asset_type")} />
        <label className="wide">
          Reverse prompt
          <textarea value={shown("reverse_prompt")} rows={3} onChange={(e) => type("reverse_prompt")(e.target.value)} />
        </label>
        <label className="wide">
          Visual description
          <textarea value={shown("visual_description")} rows={2} onChange={(e) => type("visual_description")(e.target.value)} />
        </label>
        {stale.length > 0 && (
          <p className="wide note">
            The description still says “{asset.name}”.{" "}
            <button type="button" onClick={sayNewName}>
              Say “{newName}” there too
            </button>
          </p>
        )}
        <p className="wide">
          <button type="submit" disabled={!dirty || edit.isPending}>
            Save
          </button>{" "}
          <span aria-live="polite" className="save-state">
            {edit.isPending ? "Saving…" : edit.isSuccess && !dirty ? "Saved" : dirty ? "Unsaved changes" : ""}
          </span>
        </p>
      </form>
      {checks.map((c) => (
        <p key={c.code} className={c.severity === "warning" ? "warning" : "note"}>
          {c.severity === "warning" && "⚠ "}
          {c.message}
        </p>
      ))}
      {asset.identity_note && <p className="note">{asset.identity_note}</p>}
      {(asset.identity_suggestions ?? []).map((s) => (
        <p key={s.asset_id} className="note">
          Looks like {s.manifest_tag} ({Math.round(s.similarity * 100)}% alike){" "}
          <button type="button" onClick={() => identify.mutate({ identity_of: s.asset_id })}>
            Same person
          </button>
        </p>
      ))}
      {!asset.source_asset_id && <Views asset={asset} />}
      <div className="actions">
        <button type="button" onClick={() => reprocess.mutate()}>
          Reprocess
        </button>
        <button type="button" className="danger" onClick={removeAsked}>
          Delete
        </button>
      </div>
      <ErrorNote message={problem} />
    </section>
  );
}
