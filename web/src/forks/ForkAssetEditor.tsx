import type { Schemas } from "../api/client";
import { type ForkDraft, base64Of } from "./forkRequest";

type Snapshot = Schemas["SnapshotOut"];
type AssetDraftOf = ForkDraft["assets"][string];

/** An inherited asset's edits in a fork: name, reverse prompt, a new reference image, its views. */
export function ForkAssetEditor({
  asset,
  draft,
  accept,
  onChange,
}: {
  asset: Snapshot["assets"][number];
  draft: AssetDraftOf;
  accept: string;
  onChange: (patch: Partial<AssetDraftOf>) => void;
}) {
  return (
    <div className="fork-edit">
      <label>
        Name
        <input value={draft.name} onChange={(e) => onChange({ name: e.target.value })} />
      </label>
      <label>
        Reverse prompt
        <textarea rows={2} value={draft.reversePrompt} onChange={(e) => onChange({ reversePrompt: e.target.value })} />
      </label>
      <label className="pick">
        New reference image
        <input
          type="file"
          accept={accept}
          onChange={async (e) => e.target.files?.[0] && onChange({ referenceImage: await base64Of(e.target.files[0]) })}
        />
      </label>
      {(asset.views ?? []).map((v) => (
        <label key={v.id} className="check">
          <input
            type="checkbox"
            checked={draft.removedViewIds.includes(v.id)}
            onChange={(e) =>
              onChange({
                removedViewIds: e.target.checked ? [...draft.removedViewIds, v.id] : draft.removedViewIds.filter((id) => id !== v.id),
              })
            }
          />{" "}
          Remove the {v.view} view
        </label>
      ))}
      <label className="pick">
        Add a view
        <input
          type="file"
          accept={accept}
          onChange={async (e) =>
            e.target.files?.[0] &&
            onChange({ newViews: [...draft.newViews, { view: "other", image_data: await base64Of(e.target.files[0]) }] })
          }
        />
      </label>
    </div>
  );
}
