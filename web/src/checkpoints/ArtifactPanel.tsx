import { useState } from "react";
import { api, type Schemas } from "../api/client";
import { errorMessage } from "../api/errors";
import { ContinuityBadge } from "../continuity/ContinuityBadge";
import { waitForJob } from "./jobs";
import { ErrorNote } from "../ui/ErrorNote";
import { multipart } from "../api/multipart";
import { IMAGE_TYPES } from "../ui/images";

type Artifact = Schemas["ArtifactOut"];

/** A beat image or chunk clip with every version (the latest first shown), its continuity per
 * version, and what can be done to it: a new image (beats), a regeneration, making it a reference. */
export function ArtifactPanel({ checkpointId, artifact, onChanged }: { checkpointId: string; artifact: Artifact; onChanged: () => void }) {
  const versions = artifact.versions?.length ? artifact.versions : [artifact];
  const [shown, setShown] = useState<number | null>(null);
  const [job, setJob] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const version = versions.find((v) => v.version === shown) ?? versions[versions.length - 1];
  const beat = artifact.artifact_type === "beat_image";
  const index = Number(artifact.artifact_key);
  const path = { params: { path: { checkpoint_id: checkpointId } } };

  async function regenerate() {
    const answer = beat
      ? await api.POST("/api/checkpoints/{checkpoint_id}/regenerate-beat", { ...path, body: { beat_index: index } })
      : await api.POST("/api/checkpoints/{checkpoint_id}/regenerate-chunk", { ...path, body: { chunk_index: index } });
    if (!answer.data) return setProblem(errorMessage(answer.error, answer.response.status));
    setProblem(null);
    const done = await waitForJob(answer.data.task_id, (j) => setJob(`${j.status.toLowerCase()}…`));
    setJob(null);
    if (done?.status === "ERROR") setProblem(`The regeneration failed: ${done.error ?? "no reason given"}`);
    setShown(null);
    onChanged();
  }

  async function replace(file: File | undefined) {
    if (!file) return;
    const { error, response } = await api.POST("/api/checkpoints/{checkpoint_id}/upload-image", {
      ...path,
      ...multipart<{ file: string; beat_index: string }>({ file, beat_index: String(index) }),
    });
    setProblem(response.ok ? null : errorMessage(error, response.status));
    setShown(null);
    onChanged();
  }

  return (
    <article className="artifact" aria-label={`${beat ? "Beat" : "Chunk"} ${artifact.artifact_key}`}>
      <h3>
        {beat ? "Beat" : "Chunk"} {artifact.artifact_key}
      </h3>
      <div className="versions" role="group" aria-label="Versions">
        {versions.map((v) => (
          <button key={v.version} type="button" aria-pressed={v.version === version.version} onClick={() => setShown(v.version)}>
            v{v.version} · {v.generator}
          </button>
        ))}
      </div>
      {version.media_url &&
        (beat ? (
          <img className="keyframe" src={version.media_url} alt={`Beat ${artifact.artifact_key}, version ${version.version}`} />
        ) : (
          <video className="clip" src={version.media_url} controls preload="metadata" aria-label={`Chunk ${artifact.artifact_key}, version ${version.version}`} />
        ))}
      {version.prompt && <p className="note">{version.prompt}</p>}
      <p>
        Continuity: <ContinuityBadge report={version.continuity} />
      </p>
      <div className="actions">
        <button type="button" onClick={() => void regenerate()} disabled={job !== null}>
          Regenerate
        </button>
        {beat && (
          <label className="pick">
            Replace the image
            <input type="file" accept={IMAGE_TYPES} onChange={(e) => void replace(e.target.files?.[0])} />
          </label>
        )}
        {job && <span aria-live="polite">Job {job}</span>}
      </div>
      <ErrorNote message={problem} />
    </article>
  );
}
