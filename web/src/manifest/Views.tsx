import { useState } from "react";
import { problemOf } from "../api/answers";
import type { Schemas } from "../api/client";
import { acceptedImages, useRules } from "../api/config";
import { useAddViewMutation, useRemoveViewMutation } from "./queries";
import { ErrorNote } from "../ui/ErrorNote";
import { Choice } from "../ui/Choice";

type View = Schemas["AssetViewOut"]["view"];
const VIEWS: View[] = ["front", "left", "right", "back", "other"];
export const MAX_VIEWS = 4;

/** An asset's other angles: each with what the run judged of its face, removable; add up to four. */
export function Views({ asset }: { asset: Schemas["AssetOut"] }) {
  const [view, setView] = useState<View>("left");
  const accept = acceptedImages(useRules());
  const views = asset.views ?? [];
  // Added or refused, removed or not: the card shows the server's views next.
  const add = useAddViewMutation(asset);
  const remove = useRemoveViewMutation(asset);
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
            <input type="file" accept={accept} onChange={(e) => e.target.files?.[0] && add.mutate({ view, file: e.target.files[0] })} />
          </label>
        </div>
      )}
      <ErrorNote message={problem} />
    </div>
  );
}
