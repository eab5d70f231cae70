import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { problemOf } from "../api/answers";
import { counted } from "../ui/words";
import { packQuery } from "./queries";

/** The images a video model gets for one scene (its reference pack), each with why; read when opened. */
export function ScenePack({ projectId, sceneIndex, snapshotId }: { projectId: string; sceneIndex: number; snapshotId: string }) {
  const [open, setOpen] = useState(false);
  const { data: pack, error, isPending } = useQuery({ ...packQuery(projectId, sceneIndex, snapshotId), enabled: open });
  return (
    <details className="pack" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>References for this scene</summary>
      {open && isPending && <p className="note">Choosing…</p>}
      {error && <p className="note">{problemOf(error)}</p>}
      {pack && (
        <>
          <ul className="pack-images" aria-label={`References of scene ${counted(sceneIndex)}`}>
            {pack.references?.map((r, n) => (
              <li key={`${r.asset_id}-${r.view_id ?? ""}-${n}`}>
                {r.image_url && <img src={r.image_url} alt={`${r.name} (${r.handle})`} loading="lazy" />}
                <span>
                  <strong>{r.handle}</strong> · {r.name}
                </span>
                <small>{r.why}</small>
              </li>
            ))}
          </ul>
          <p className="note">
            {pack.references?.length ?? 0} of {pack.limit} for the video model
            {(pack.uncovered ?? []).length > 0 && <> · no image for {pack.uncovered?.join(", ")}</>}
            {(pack.unresolved ?? []).length > 0 && <> · names nobody: {pack.unresolved?.join(", ")}</>}
            {(pack.left_out ?? []).length > 0 && <> · {pack.left_out?.length} more left out</>}
          </p>
          <p className="note">Prompt as sent: {pack.prompt}</p>
        </>
      )}
    </details>
  );
}
