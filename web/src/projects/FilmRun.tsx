import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { problemOf } from "../api/answers";
import type { Schemas } from "../api/client";
import { PROJECT_POLL_MS, checkpointsQuery, useContinueMutation, useStopMutation } from "./queries";
import { ErrorNote } from "../ui/ErrorNote";
import { dollars } from "../ui/words";

type Project = Schemas["ProjectDetail"];
type Phase = Schemas["PhaseOut"];

const PHASE: Record<Phase["name"], string> = { storyboard: "Storyboard", keyframes: "First frames", clips: "Clips", cut: "The cut" };
const SAID: Record<Phase["status"], string> = { pending: "to do", queued: "queued", running: "making", done: "done", failed: "failed", stopped: "stopped" };
// What each phase's checkpoint holds, and what continuing from it makes.
const HELD: Record<number, string> = { 1: "The storyboard", 2: "The first frames", 3: "The clips" };
const NEXT: Record<number, string> = { 1: "the first frames", 2: "the clips", 3: "the cut" };

/** A film the product makes: its phases as a timeline (progress and cost), the checkpoint waiting
 * for the creator's approval, and Stop while it runs. */
export function FilmRun({ project, finished }: { project: Project; finished: readonly string[] }) {
  const running = !finished.includes(project.status ?? "pending");
  return (
    <section aria-label="Making the film" className="film-run">
      <h2>Making the film</h2>
      <ol className="phases" aria-label="Phases">
        {(project.phases ?? []).map((p) => (
          <PhaseStep key={p.phase} phase={p} />
        ))}
      </ol>
      <p className="meta">
        Spent {dollars(project.spent ?? 0)}
        {project.budget != null && <> of {dollars(project.budget)}</>}
      </p>
      {project.status === "pending" && <Waiting project={project} />}
      {running && <StopButton projectId={project.project_id} />}
    </section>
  );
}

function PhaseStep({ phase }: { phase: Phase }) {
  const scenes = phase.phase === 2 || phase.phase === 3;
  return (
    <li data-status={phase.status} aria-label={`${PHASE[phase.name]}: ${SAID[phase.status]}`}>
      <strong>{PHASE[phase.name]}</strong>
      <span className="phase-said">{SAID[phase.status]}</span>
      {scenes && phase.total > 0 && (
        <>
          <progress max={phase.total} value={phase.done} aria-label={`${PHASE[phase.name]} made`} />
          <span className="meta">
            {phase.done} of {phase.total} scenes
          </span>
        </>
      )}
      {phase.cost > 0 && <span className="meta">{dollars(phase.cost)}</span>}
      {phase.error && <span className="error">{phase.error}</span>}
    </li>
  );
}

/** The checkpoint the film waits at (the latest ready one of the project's branch): look at it,
 * edit it on its page, or approve it and go on. */
function Waiting({ project }: { project: Project }) {
  const { data: checkpoints } = useQuery({
    ...checkpointsQuery(project.project_id),
    // The list read before this phase ended does not hold its checkpoint yet: read again until it does.
    refetchInterval: (query) => (waitingAt(query.state.data, project) ? false : PROJECT_POLL_MS),
  });
  const at = waitingAt(checkpoints, project);
  const proceed = useContinueMutation(at?.checkpoint_id ?? "", project.project_id);
  if (!at) return null;
  return (
    <div className="waiting" role="group" aria-label="Waiting for your approval">
      <p>
        <strong>{HELD[at.phase]}: ready.</strong> Look it over (or edit it), then go on to {NEXT[at.phase]}.
      </p>
      <div className="actions">
        <button type="button" className="primary" onClick={() => proceed.mutate()} disabled={proceed.isPending}>
          Approve and go on
        </button>
        <Link to={`/checkpoints/${at.checkpoint_id}`}>Open {HELD[at.phase].toLowerCase()}</Link>
      </div>
      <ErrorNote message={problemOf(proceed.error)} />
    </div>
  );
}

function waitingAt(checkpoints: Schemas["CheckpointOut"][] | undefined, project: Project) {
  return (checkpoints ?? []).filter((c) => c.branch === project.branch && c.ready && c.status === "pending").sort((a, b) => b.phase - a.phase)[0];
}

function StopButton({ projectId }: { projectId: string }) {
  const stop = useStopMutation(projectId);
  return (
    <>
      <button type="button" className="danger" onClick={() => stop.mutate()} disabled={stop.isPending}>
        Stop the film
      </button>
      <ErrorNote message={problemOf(stop.error)} />
    </>
  );
}
