import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { must, problemOf } from "../api/answers";
import { api, type Schemas } from "../api/client";
import { jobEnded, jobQuery } from "../checkpoints/queries";
import { ErrorNote } from "../ui/ErrorNote";
import { useRules } from "../api/config";
import { attemptLine, outcomeLine } from "./words";

type Artifact = Schemas["ArtifactOut"];

/** The Repair button of an artifact whose latest version is not ok: a repair job regenerates it with
 * its scene's references until continuity holds; each attempt is listed as it is checked. */
export function RepairControl({ checkpointId, artifact }: { checkpointId: string; artifact: Artifact }) {
  const [taskId, setTaskId] = useState<string | null>(null);
  const status = artifact.continuity?.status;
  const repairable = Boolean(status && useRules().repairable_statuses.includes(status));
  const start = useMutation({
    mutationFn: () =>
      must(
        api.POST("/api/checkpoints/{checkpoint_id}/repair", {
          params: { path: { checkpoint_id: checkpointId } },
          body: { artifact_key: artifact.artifact_key },
        }),
      ),
    onSuccess: (started) => setTaskId(started.task_id),
  });
  const { data: job } = useQuery({ ...jobQuery(taskId ?? "", checkpointId), enabled: Boolean(taskId) });
  const following = Boolean(taskId) && !jobEnded(job);
  if (!taskId && !repairable) return null;
  const attempts = job?.repair_attempts ?? [];
  return (
    <div className="repair" aria-label="Repair">
      {repairable && (
        <button type="button" onClick={() => start.mutate()} disabled={start.isPending || following}>
          Repair
        </button>
      )}
      {taskId && (
        <ol className="attempts" aria-live="polite" aria-label="Repair attempts">
          {attempts.map((a) => (
            <li key={a.attempt} data-status={a.status}>
              {attemptLine(a)}
            </li>
          ))}
          {following && <li className="note">Attempt {attempts.length + 1} of {job?.max_attempts ?? "…"}: generating and checking…</li>}
        </ol>
      )}
      {job?.status === "DONE" && job.result && <p className="outcome" role="status">{outcomeLine(job.result)}</p>}
      <ErrorNote message={problemOf(start.error) ?? (job?.status === "ERROR" ? `The repair failed: ${job.error ?? "no reason given"}` : null)} />
    </div>
  );
}
