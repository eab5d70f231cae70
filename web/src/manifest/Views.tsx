import { useState } from "react";
import { api, type Schemas } from "../api/client";
import { errorMessage } from "../api/errors";
import { ErrorNote } from "../ui/ErrorNote";
import { multipart } from "../api/multipart";
import { Choice } from "../ui/Choice";
import { IMAGE_TYPES } from "../ui/images";

type View = Schemas["AssetViewOut"]["view"];
const VIEWS: View[] = ["front", "left", "right", "back", "other"];
export const MAX_VIEWS = 4;

/** An asset's other angles: each with what the run judged of its face, removable; add up to four. */
export function Views({ asset, onChanged }: { asset: Schemas["AssetOut"]; onChanged: () => void }) {
  const [view, setView] = useState<View>("left");
  const [problem, setProblem] = useState<string | null>(null);
  const views = asset.views ?? [];
  const assetPath = { asset_id: asset.id };

  async function add(file: File | undefined) {
    if (!file) return;
    const { error, response } = await api.POST("/api/assets/{asset_id}/views", {
      params: { path: assetPath, query: { view } },
      ...multipart<{ file: string }>({ file }),
    });
    setProblem(response.ok ? null : errorMessage(error, response.status));
    onChanged();
  }

  async function remove(viewId: string) {
    const { error, response } = await api.DELETE("/api/assets/{asset_id}/views/{view_id}", {
      params: { path: { ...assetPath, view_id: viewId } },
    });
    setProblem(response.ok ? null : errorMessage(error, response.status));
    onChanged();
  }

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
              <button type="button" onClick={() => void remove(v.id)} aria-label={`Remove the ${v.view} view`}>
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
            <input type="file" accept={IMAGE_TYPES} onChange={(e) => void add(e.target.files?.[0])} />
          </label>
        </div>
      )}
      <ErrorNote message={problem} />
    </div>
  );
}
