import { useId, useState } from "react";
import { problemOf } from "../api/answers";
import type { Schemas } from "../api/client";
import { useRules } from "../api/config";
import { ErrorNote } from "../ui/ErrorNote";
import { dollars } from "../ui/words";
import { repairRunning, useRepairMutation } from "./queries";

type Artifact = Schemas["ArtifactOut"];

/** The Repair button of an artifact whose latest version is not ok: a repair job regenerates it with
 * its scene's references until continuity holds. The artifact's latest repair (the server's, read with
 * the checkpoint, which is polled while it runs) lists each attempt as it is checked and says the
 * outcome, so a reload finds the repair where it is. The words are the server's (`said`). Before it
 * is pressed it says what it may cost: attempts (chosen) times one attempt's most, against what the
 * project's repair budget has left (`left`). */
export function RepairControl({ checkpointId, artifact, left }: { checkpointId: string; artifact: Artifact; left: number }) {
  const { repairable_statuses, repair_attempts, default_repair_attempts } = useRules();
  const [attempts, setAttempts] = useState(default_repair_attempts);
  const quoteId = useId();
  const start = useRepairMutation(checkpointId);
  const status = artifact.continuity?.status;
  const repairable = Boolean(status && repairable_statuses.includes(status));
  const repair = artifact.latest_repair;
  const following = repairRunning(artifact);
  if (!repair && !repairable) return null;
  const tried = repair?.attempts ?? [];
  const quote = attempts * (artifact.repair_price ?? 0);
  const failed = repair?.status === "ERROR" ? `The repair failed${repair.error ? `: ${repair.error}` : "."}` : null;
  return (
    <div className="repair" aria-label="Repair">
      {repairable && (
        <div className="inline-form">
          <label>
            Attempts
            <select value={attempts} onChange={(e) => setAttempts(Number(e.target.value))}>
              {repair_attempts.map((n) => (
                <option key={n}>{n}</option>
              ))}
            </select>
          </label>
          <button
            type="button"
            aria-describedby={quoteId}
            onClick={() => start.mutate({ artifact_key: artifact.artifact_key, max_attempts: attempts })}
            disabled={start.isPending || following}
          >
            Repair
          </button>
          <span id={quoteId} className={`meta${quote > left + 1e-9 ? " error" : ""}`}>
            Up to {attempts} {attempts === 1 ? "attempt" : "attempts"}, at most {dollars(quote)} of the {dollars(left)} left
          </span>
        </div>
      )}
      {repair && (
        <ol className="attempts" aria-live="polite" aria-label="Repair attempts">
          {tried.map((a) => (
            <li key={a.attempt} data-status={a.status}>
              {a.said}
            </li>
          ))}
          {following && (
            <li className="note">
              Attempt {tried.length + 1} of {repair.max_attempts}: generating and checking…
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
