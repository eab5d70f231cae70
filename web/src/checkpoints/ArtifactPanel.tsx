import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState } from "react";
import { must, problemOf } from "../api/answers";
import { api, type Schemas } from "../api/client";
import { acceptedImages, useRules } from "../api/config";
import { keys } from "../api/keys";
import { multipart } from "../api/multipart";
import { ContinuityBadge } from "../continuity/ContinuityBadge";
import type { Person } from "../projects/characters";
import { FrameFaces } from "../continuity/FrameFaces";
import { PresenceStrip } from "../continuity/PresenceStrip";
import { RepairControl } from "../repair/RepairControl";
import { jobEnded, jobQuery } from "./queries";
import { ErrorNote } from "../ui/ErrorNote";
import { counted } from "../ui/words";

type Artifact = Schemas["ArtifactOut"];

/** A beat image or chunk clip with every version (the latest first shown), its continuity per
 * version, and what can be done to it: a new image (beats), a regeneration, making it a reference. */
export function ArtifactPanel({ checkpointId, artifact, people }: { checkpointId: string; artifact: Artifact; people?: Map<string, Person> }) {
  const versions = artifact.versions?.length ? artifact.versions : [artifact];
  const [shown, setShown] = useState<number | null>(null); // null: the latest
  const [taskId, setTaskId] = useState<string | null>(null); // the regeneration followed, if any
  const player = useRef<HTMLVideoElement>(null);
  const accept = acceptedImages(useRules());
  const client = useQueryClient();
  const version = versions.find((v) => v.version === shown) ?? versions[versions.length - 1];
  const beat = artifact.artifact_type === "beat_image";
  const index = Number(artifact.artifact_key);
  const path = { params: { path: { checkpoint_id: checkpointId } } };

  const regenerate = useMutation({
    mutationFn: () =>
      must(
        beat
          ? api.POST("/api/checkpoints/{checkpoint_id}/regenerate-beat", { ...path, body: { beat_index: index } })
          : api.POST("/api/checkpoints/{checkpoint_id}/regenerate-chunk", { ...path, body: { chunk_index: index } }),
      ),
    onSuccess: (started) => {
      setShown(null); // its result, the next version, is shown once the job ends
      setTaskId(started.task_id);
    },
  });
  const { data: job } = useQuery({ ...jobQuery(taskId ?? "", checkpointId), enabled: Boolean(taskId) });
  const following = Boolean(taskId) && !jobEnded(job);
  const replace = useMutation({
    mutationFn: (file: File) =>
      must(api.POST("/api/checkpoints/{checkpoint_id}/upload-image", { ...path, ...multipart<{ file: string; beat_index: string }>({ file, beat_index: String(index) }) })),
    onSettled: () => {
      setShown(null);
      return client.invalidateQueries({ queryKey: keys.checkpoint(checkpointId) });
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
            v{v.version} · {v.repair ? `repair ${v.repair.attempt}` : v.generator}
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
      {(version.references ?? []).length > 0 && (
        <p className="chips" aria-label="Made with">
          Made with:{" "}
          {(version.references ?? []).map((r, n) => {
            const person = people?.get(r.handle); // a character by face and name; an object by its tag
            return (
              <span key={`${r.asset_id}-${n}`} className="chip person character" title={`${r.handle}: ${r.why}`}>
                {person?.face && <img className="avatar" src={person.face} alt="" />}
                {person?.name ?? r.handle} <small>{r.why}</small>
              </span>
            );
          })}
        </p>
      )}
      <p>
        Continuity: <ContinuityBadge report={version.continuity} people={people} />
      </p>
      <div className="actions">
        <button type="button" onClick={() => regenerate.mutate()} disabled={regenerate.isPending || following}>
          Regenerate
        </button>
        {beat && (
          <label className="pick">
            Replace the image
            <input type="file" accept={accept} onChange={(e) => e.target.files?.[0] && replace.mutate(e.target.files[0])} />
          </label>
        )}
        {following && <span aria-live="polite">Job {job ? job.status.toLowerCase() : "queued"}…</span>}
      </div>
      <ErrorNote message={problem} />
      <RepairControl checkpointId={checkpointId} artifact={artifact} />
    </article>
  );
}
