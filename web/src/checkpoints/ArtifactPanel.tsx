import { useRef, useState } from "react";
import { problemOf } from "../api/answers";
import type { Schemas } from "../api/client";
import { acceptedImages, useRules } from "../api/config";
import { ContinuityBadge, FrameFaces, PresenceStrip } from "../continuity";
import type { Person } from "../manifest";
import { RepairControl } from "../repair";
import { versionLabels } from "./labels";
import { MadeWith } from "./MadeWith";
import { useRegenerateMutation, useRegeneration, useReplaceImageMutation } from "./queries";
import { ErrorNote } from "../ui/ErrorNote";
import { counted } from "../ui/words";

type Artifact = Schemas["ArtifactOut"];

/** A beat image or chunk clip with every version (the latest first shown), its continuity per
 * version, and what can be done to it: a new image (beats), a regeneration, making it a reference. */
export function ArtifactPanel(props: { checkpointId: string; artifact: Artifact; people?: Map<string, Person>; repairLeft: number }) {
  const { checkpointId, artifact, people, repairLeft } = props;
  const versions = artifact.versions?.length ? artifact.versions : [artifact];
  const labels = versionLabels(versions);
  const [shown, setShown] = useState<number | null>(null); // null: the latest
  const player = useRef<HTMLVideoElement>(null);
  const accept = acceptedImages(useRules());
  const version = versions.find((v) => v.version === shown) ?? versions[versions.length - 1];
  const beat = artifact.artifact_type === "beat_image";

  const regenerate = useRegenerateMutation(checkpointId, artifact);
  const { job, following, follow } = useRegeneration(checkpointId, artifact);
  const replace = useReplaceImageMutation(checkpointId, artifact);
  const start = () =>
    regenerate.mutate(undefined, {
      onSuccess: (started) => {
        setShown(null); // its result, the next version, is shown once the job ends
        follow(started.task_id);
      },
    });
  const failed = job?.status === "ERROR" ? `The regeneration failed: ${job.error ?? "no reason given"}` : null;
  const problem = problemOf(regenerate.error) ?? problemOf(replace.error) ?? failed;

  return (
    <article className="artifact" aria-label={`${beat ? "Beat" : "Chunk"} ${counted(artifact.artifact_key)}`}>
      <h3>
        {beat ? "Beat" : "Chunk"} {counted(artifact.artifact_key)}
      </h3>
      <div className="versions" role="group" aria-label="Versions">
        {versions.map((v) => (
          <button key={v.version} type="button" aria-pressed={v.version === version.version} onClick={() => setShown(v.version)}>
            {labels.get(v.version)}
          </button>
        ))}
      </div>
      {version.media_url &&
        (beat ? (
          <FrameFaces src={version.media_url} alt={`Beat ${counted(artifact.artifact_key)}, version ${version.version}`} report={version.continuity} />
        ) : (
          <>
            <video ref={player} className="clip" src={version.media_url} controls preload="metadata" aria-label={`Chunk ${counted(artifact.artifact_key)}, version ${version.version}`} />
            <PresenceStrip report={version.continuity} onSeek={(s) => player.current && (player.current.currentTime = s)} />
          </>
        ))}
      {version.prompt && <p className="note">{version.prompt}</p>}
      <MadeWith references={version.references ?? []} people={people} />
      <p>
        Continuity: <ContinuityBadge report={version.continuity} people={people} />
      </p>
      <div className="actions">
        <button type="button" onClick={start} disabled={regenerate.isPending || following}>
          Regenerate
        </button>
        {beat && (
          <label className="pick">
            Replace the image
            <input type="file" accept={accept} onChange={(e) => e.target.files?.[0] && replace.mutate(e.target.files[0], { onSettled: () => setShown(null) })} />
          </label>
        )}
        {following && <span aria-live="polite">Job {job ? job.status.toLowerCase() : "queued"}…</span>}
      </div>
      <ErrorNote message={problem} />
      <RepairControl checkpointId={checkpointId} artifact={artifact} left={repairLeft} />
    </article>
  );
}
