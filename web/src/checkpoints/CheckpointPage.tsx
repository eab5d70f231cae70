import { useCallback, useState } from "react";
import { Link, useParams } from "react-router";
import { api, type Schemas } from "../api/client";
import { errorMessage } from "../api/errors";
import { useServer } from "../manifest/useServer";
import { ArtifactPanel } from "./ArtifactPanel";
import { PromoteForm } from "./PromoteForm";
import { SpecEditor } from "./SpecEditor";
import { ErrorNote } from "../ui/ErrorNote";
import { Loading, Unavailable } from "../ui/PageStates";

type Detail = Schemas["CheckpointDetail"];

/** One checkpoint of a phase on a branch: its artifacts with every version, edited in place;
 * continuing from an edited checkpoint opens a new branch, which is shown. */
export function CheckpointPage() {
  const { checkpointId = "" } = useParams();
  const path = { params: { path: { checkpoint_id: checkpointId } } };
  const read = useCallback(async () => {
    const { data, error, response } = await api.GET("/api/checkpoints/{checkpoint_id}", {
      params: { path: { checkpoint_id: checkpointId } },
    });
    return data ? { data } : { message: errorMessage(error, response.status) };
  }, [checkpointId]);
  const pending = (c: Detail) => c.artifacts.some((a) => a.continuity?.status === "pending");
  const { data: checkpoint, error, reload } = useServer<Detail>(read, pending, 2000);
  const refresh = useCallback(() => void reload(), [reload]);
  const [outcome, setOutcome] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  async function proceed() {
    const { data, error: body, response } = await api.POST("/api/checkpoints/{checkpoint_id}/continue", path);
    setProblem(data ? null : errorMessage(body, response.status));
    if (data) setOutcome(`Continued on ${data.new_branch ? "a new branch" : "branch"} ${data.branch}: ${data.next_step}`);
    refresh();
  }

  async function recheck() {
    const { error: body, response } = await api.POST("/api/checkpoints/{checkpoint_id}/continuity", { ...path, body: {} });
    setProblem(response.ok ? null : errorMessage(body, response.status));
    refresh();
  }

  if (error && !checkpoint) return <Unavailable message={error} />;
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
        branch {checkpoint.branch} · {checkpoint.status} · revision {checkpoint.revision ?? 0}
        {checkpoint.edited && " · edited"} · ${(checkpoint.total_cost ?? 0).toFixed(4)}
      </p>
      <div className="actions">
        <button type="button" onClick={() => void proceed()}>
          Continue
        </button>
        {media.length > 0 && (
          <button type="button" onClick={() => void recheck()}>
            Check continuity again
          </button>
        )}
      </div>
      {outcome && (
        <p className="ok" aria-live="polite" data-testid="continued">
          {outcome}
        </p>
      )}
      <ErrorNote message={problem} />
      {spec?.content && <SpecEditor
          key={checkpoint.checkpoint_id}
          checkpointId={checkpoint.checkpoint_id}
          spec={spec.content as Schemas["VideoSpec"]}
          version={spec.version}
          onSaved={refresh}
        />}
      <div className="artifacts">
        {media.map((a) => (
          <ArtifactPanel key={`${a.artifact_type}/${a.artifact_key}`} checkpointId={checkpoint.checkpoint_id} artifact={a} onChanged={refresh} />
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
