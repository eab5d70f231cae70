import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { problemOf } from "../api/answers";
import type { Schemas } from "../api/client";
import { useRules } from "../api/config";
import { useContinueMutation, useProjectPeople } from "../projects";
import { ArtifactPanel } from "./ArtifactPanel";
import { PromoteForm } from "./PromoteForm";
import { checkpointQuery, useRecheckMutation } from "./queries";
import { SpecEditor } from "./SpecEditor";
import { ErrorNote } from "../ui/ErrorNote";
import { checkpointState } from "../ui/words";
import { Loading, Unavailable } from "../ui/PageStates";

/** One checkpoint of a phase on a branch: its artifacts with every version, edited in place;
 * continuing from an edited checkpoint opens a new branch, which is shown. */
export function CheckpointPage() {
  const { checkpointId = "" } = useParams();
  const { data: checkpoint, error } = useQuery(checkpointQuery(checkpointId));
  const people = useProjectPeople(checkpoint?.project_id, useRules().terminal_project_statuses);
  // Continuing or checking again changes the checkpoint, and continuing its project's branch tree.
  const proceed = useContinueMutation(checkpointId, checkpoint?.project_id);
  const recheck = useRecheckMutation(checkpointId, checkpoint?.project_id);
  const continued = proceed.data;
  const outcome = continued && `Continued on ${continued.new_branch ? "a new branch" : "branch"} ${continued.branch}: ${continued.next_step}`;

  if (error && !checkpoint) return <Unavailable error={error} back={{ to: "/projects", label: "Back to the projects" }} />;
  if (!checkpoint) return <Loading />;
  const spec = checkpoint.artifacts.find((a) => a.artifact_type === "spec");
  const media = checkpoint.artifacts.filter((a) => a.artifact_type !== "spec");
  return (
    <main>
      <p>
        <Link to={`/projects/${checkpoint.project_id}`}>← Project</Link>
      </p>
      <h1>
        Phase {checkpoint.phase}: {checkpoint.phase_name}
      </h1>
      <p className="meta">
        branch {checkpoint.branch} · {checkpointState(checkpoint.status, checkpoint.revision ?? 0)}
        {checkpoint.edited && " · edited"} · ${(checkpoint.total_cost ?? 0).toFixed(4)}
      </p>
      <div className="actions">
        <button type="button" onClick={() => proceed.mutate()}>
          Continue
        </button>
        {media.length > 0 && (
          <button type="button" onClick={() => recheck.mutate()}>
            Check continuity again
          </button>
        )}
      </div>
      {outcome && (
        <p className="ok" aria-live="polite" data-testid="continued">
          {outcome}
        </p>
      )}
      <ErrorNote message={problemOf(proceed.error) ?? problemOf(recheck.error)} />
      {spec?.content && (
        <SpecEditor key={checkpoint.checkpoint_id} checkpointId={checkpoint.checkpoint_id} spec={spec.content as Schemas["VideoSpec"]} version={spec.version} />
      )}
      {media.length > 0 && <h2>{checkpoint.phase === 2 ? "Beats" : "Clips"}</h2>}
      <div className="artifacts">
        {media.map((a) => (
          <ArtifactPanel key={`${a.artifact_type}/${a.artifact_key}`} checkpointId={checkpoint.checkpoint_id} artifact={a} people={people} repairLeft={checkpoint.repair_budget_left ?? 0} />
        ))}
      </div>
      {media.length > 0 && (
        <>
          <h2>Make a frame a reference asset</h2>
          <PromoteForm checkpointId={checkpoint.checkpoint_id} artifacts={media} />
        </>
      )}
    </main>
  );
}
