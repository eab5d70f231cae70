import { useState } from "react";
import type { Schemas } from "../api/client";
import { acceptedImages, useRules } from "../api/config";
import { useUploadMutation } from "./queries";
import { ASSET_TYPES, type AssetType, type UploadState, defaultType } from "./upload";
import { DropZone } from "../ui/DropZone";
import { Choice } from "../ui/Choice";

interface Item {
  key: string;
  name: string;
  state: UploadState;
}

/** Drop (or pick) many photos at once: each becomes an asset, uploaded three at a time. */
export function Uploader({ manifestId, category }: { manifestId: string; category: Schemas["Category"] }) {
  const rules = useRules();
  const [assetType, setAssetType] = useState<AssetType>(() => defaultType(rules, category));
  const [items, setItems] = useState<Item[]>([]);
  const batch = useUploadMutation(manifestId);

  function upload(files: File[]) {
    const added = files.map((file, i) => ({ file, key: `${Date.now()}-${i}-${file.name}` }));
    setItems((before) => [...added.map(({ file, key }) => ({ key, name: file.name, state: { phase: "uploading", fraction: 0 } as UploadState })), ...before]);
    const report = (key: string, state: UploadState) => setItems((all) => all.map((it) => (it.key === key ? { ...it, state } : it)));
    batch.mutate({ files: added, assetType, types: rules.image_types, report });
  }

  return (
    <section aria-label="Add photos" className="uploader">
      <DropZone label="Drop photos" onFiles={upload}>
        <p>Drop photos here: each becomes an asset named after its file.</p>
        <Choice label="Type of the new assets" value={assetType} options={ASSET_TYPES} onChange={setAssetType} />
        <label className="pick">
          Choose photos
          <input type="file" multiple accept={acceptedImages(rules)} onChange={(e) => upload([...(e.target.files ?? [])])} />
        </label>
      </DropZone>
      {items.length > 0 && (
        <ul className="uploads" aria-label="Uploads">
          {items.map((it) => (
            <li key={it.key}>
              <span className="file">{it.name}</span>
              {it.state.phase === "uploading" && <progress max={1} value={it.state.fraction} aria-label={`${it.name} uploading`} />}
              {it.state.phase === "checking" && <span>checking…</span>}
              {it.state.phase === "done" && <span className="ok">added</span>}
              {it.state.phase === "refused" && (
                <span role="alert" className="error">
                  {it.state.reason}
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
