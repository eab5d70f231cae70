import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { must, problemOf } from "../api/answers";
import { api, type Schemas } from "../api/client";
import { acceptedImages, useRules } from "../api/config";
import { multipart } from "../api/multipart";
import { useManifestChanged } from "./queries";
import { ErrorNote } from "../ui/ErrorNote";
import { Choice } from "../ui/Choice";

type View = Schemas["AssetViewOut"]["view"];
const VIEWS: View[] = ["front", "left", "right", "back", "other"];
export const MAX_VIEWS = 4;

/** An asset's other angles: each with what the run judged of its face, removable; add up to four. */
export function Views({ asset }: { asset: Schemas["AssetOut"] }) {
  const [view, setView] = useState<View>("left");
  const accept = acceptedImages(useRules());
  const changed = useManifestChanged();
  const views = asset.views ?? [];
  const assetPath = { asset_id: asset.id };
  // Added or refused, removed or not: the card shows the server's views next.
  const add = useMutation({
    mutationFn: (file: File) =>
      must(api.POST("/api/assets/{asset_id}/views", { params: { path: assetPath, query: { view } }, ...multipart<{ file: string }>({ file }) })),
    onSettled: () => changed(asset.manifest_id),
  });
  const remove = useMutation({
    mutationFn: (viewId: string) => must(api.DELETE("/api/assets/{asset_id}/views/{view_id}", { params: { path: { ...assetPath, view_id: viewId } } })),
    onSettled: () => changed(asset.manifest_id),
  });
  const problem = problemOf(add.error) ?? problemOf(remove.error);

  return (
    <div className="views">
      {views.length > 0 && (
        <ul aria-label="Views">
          {views.map((v) => (
            <li key={v.id}>
              {v.thumbnail_url && <img src={v.thumbnail_url} alt={`${v.view} view`} loading="lazy" />}
              <span>
                {v.view}
                {v.identity_note ? ` · ${v.identity_note}` : ""}
              </span>
              <button type="button" onClick={() => remove.mutate(v.id)} aria-label={`Remove the ${v.view} view`}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      {views.length < MAX_VIEWS && (
        <div className="add-view">
          <Choice label="Angle" value={view} options={VIEWS} onChange={setView} />
          <label className="pick">
            Add a view
            <input type="file" accept={accept} onChange={(e) => e.target.files?.[0] && add.mutate(e.target.files[0])} />
          </label>
        </div>
      )}
      <ErrorNote message={problem} />
    </div>
  );
}
