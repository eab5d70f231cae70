import { problemOf } from "../api/answers";
import type { Schemas } from "../api/client";
import { useRules } from "../api/config";
import { ErrorNote } from "../ui/ErrorNote";
import { repairRunning, useRepairMutation } from "./queries";

type Artifact = Schemas["ArtifactOut"];

/** The Repair button of an artifact whose latest version is not ok: a repair job regenerates it with
 * its scene's references until continuity holds. The artifact's latest repair (the server's, read with
 * the checkpoint, which is polled while it runs) lists each attempt as it is checked and says the
 * outcome, so a reload finds the repair where it is. The words are the server's (`said`). */
export function RepairControl({ checkpointId, artifact }: { checkpointId: string; artifact: Artifact }) {
  const { repairable_statuses } = useRules();
  const start = useRepairMutation(checkpointId);
  const status = artifact.continuity?.status;
  const repairable = Boolean(status && repairable_statuses.includes(status));
  const repair = artifact.latest_repair;
  const following = repairRunning(artifact);
  if (!repair && !repairable) return null;
  const attempts = repair?.attempts ?? [];
  const failed = repair?.status === "ERROR" ? `The repair failed${repair.error ? `: ${repair.error}` : "."}` : null;
  return (
    <div className="repair" aria-label="Repair">
      {repairable && (
        <button type="button" onClick={() => start.mutate({ artifact_key: artifact.artifact_key })} disabled={start.isPending || following}>
          Repair
        </button>
      )}
      {repair && (
        <ol className="attempts" aria-live="polite" aria-label="Repair attempts">
          {attempts.map((a) => (
            <li key={a.attempt} data-status={a.status}>
              {a.said}
            </li>
          ))}
          {following && (
            <li className="note">
              Attempt {attempts.length + 1} of {repair.max_attempts}: generating and checking…
            </li>
          )}
        </ol>
      )}
      {repair?.status === "DONE" && repair.said && (
        <p className="outcome" role="status">
          {repair.said}
        </p>
      )}
      <ErrorNote message={problemOf(start.error) ?? failed} />
    </div>
  );
}
