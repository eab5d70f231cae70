import { useState } from "react";
import { type AssetType, ASSET_TYPES, assetNameFromFile } from "../manifest";
import { Choice } from "../ui/Choice";
import { base64Of } from "./forkRequest";
import type { DraftProps } from "./parts";

/** New photos for the fork, each a new asset of the chosen type (named after its file). */
export function ForkUploads({ draft, update, accept }: DraftProps & { accept: string }) {
  const [uploadType, setUploadType] = useState<AssetType>("CHARACTER");

  async function add(files: File[]) {
    const uploads = await Promise.all(files.map(async (f) => ({ image_data: await base64Of(f), name: assetNameFromFile(f.name), asset_type: uploadType })));
    update((d) => ({ ...d, uploads: [...d.uploads, ...uploads] }));
  }

  return (
    <div className="add-view">
      <Choice label="Type of new uploads" value={uploadType} options={ASSET_TYPES} onChange={setUploadType} />
      <label className="pick">
        New uploads
        <input type="file" multiple accept={accept} onChange={(e) => void add([...(e.target.files ?? [])])} />
      </label>
      {draft.uploads.length > 0 && <span>{draft.uploads.map((u) => u.name).join(", ")}</span>}
    </div>
  );
}
