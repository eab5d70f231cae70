// A checkpoint's reads: the checkpoint (polled while a continuity check is pending or a repair runs:
// each artifact carries its latest repair, so a reload follows it from there) and the engine jobs
// started on it, each followed until it ends, which re-reads the checkpoint once. And the writes to
// a checkpoint, each a mutation hook that reads again what it changed.
import { queryOptions, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect } from "react";
import { useSearchParams } from "react-router";
import { must } from "../api/answers";
import { api, type Schemas } from "../api/client";
import { keys } from "../api/keys";
import { multipart } from "../api/multipart";
import { useManifestChanged } from "../manifest";
import { repairRunning } from "../repair";

export const CHECKPOINT_POLL_MS = 2000;
export const JOB_POLL_MS = 1000;
const JOB_POLLS = 300; // five minutes: a job still not ended by then is left to a reload

type Artifact = Schemas["ArtifactOut"];

const pending = (c: Schemas["CheckpointDetail"]) => c.artifacts.some((a) => a.continuity?.status === "pending" || repairRunning(a));

export function checkpointQuery(checkpointId: string) {
  return queryOptions({
    queryKey: keys.checkpoint(checkpointId),
    queryFn: ({ signal }) =>
      must(api.GET("/api/checkpoints/{checkpoint_id}", { params: { path: { checkpoint_id: checkpointId } }, signal })),
    refetchInterval: (query) => (query.state.data && pending(query.state.data) ? CHECKPOINT_POLL_MS : false),
  });
}

export const jobEnded = (job: Schemas["JobOut"] | undefined) => job?.status === "DONE" || job?.status === "ERROR";

/** An engine job on `checkpointId`, polled until it is DONE or ERROR; its end re-reads the checkpoint. */
export function jobQuery(taskId: string, checkpointId: string) {
  const key = keys.job(taskId);
  return queryOptions({
    queryKey: key,
    queryFn: async ({ signal, client }) => {
      const before = client.getQueryData<Schemas["JobOut"]>(key);
      const now = await must(api.GET("/api/jobs/{task_id}", { params: { path: { task_id: taskId } }, signal }));
      if (jobEnded(now) && !jobEnded(before)) await client.invalidateQueries({ queryKey: keys.checkpoint(checkpointId) });
      return now;
    },
    refetchInterval: (query) => (jobEnded(query.state.data) || query.state.dataUpdateCount >= JOB_POLLS ? false : JOB_POLL_MS),
  });
}

/** The search parameter that holds the job regenerating an artifact: "job-beat_image-0". */
export const jobParam = (a: Pick<Artifact, "artifact_type" | "artifact_key">) => `job-${a.artifact_type}-${a.artifact_key}`;

/** The regeneration an artifact's page follows: its job's id is in the page's address (the server
 * keeps no "latest regeneration" on the artifact), so a reload follows it still. A job that ends well
 * leaves the address; one that failed stays, to say so, until the next regeneration. */
export function useRegeneration(checkpointId: string, artifact: Artifact) {
  const [params, setParams] = useSearchParams();
  const name = jobParam(artifact);
  const taskId = params.get(name);
  const { data: job } = useQuery({ ...jobQuery(taskId ?? "", checkpointId), enabled: Boolean(taskId) });
  const follow = useCallback(
    (id: string | null) =>
      setParams(
        (now) => {
          const next = new URLSearchParams(now);
          if (id) next.set(name, id);
          else next.delete(name);
          return next;
        },
        { replace: true },
      ),
    [name, setParams],
  );
  const done = job?.status === "DONE";
  useEffect(() => {
    if (done) follow(null);
  }, [done, follow]);
  return { job, following: Boolean(taskId) && !jobEnded(job), follow };
}

const checkpointPath = (checkpointId: string) => ({ params: { path: { checkpoint_id: checkpointId } } });

/** After a write to a checkpoint: it, and (when known) its project's branch tree. */
function useCheckpointChanged(checkpointId: string, projectId?: string) {
  const client = useQueryClient();
  return () =>
    Promise.all([
      client.invalidateQueries({ queryKey: keys.checkpoint(checkpointId) }),
      projectId && client.invalidateQueries({ queryKey: keys.checkpoints(projectId) }),
    ]);
}

/** Check the checkpoint's continuity again: its reports go pending, and the checkpoint is polled. */
export function useRecheckMutation(checkpointId: string, projectId: string | undefined) {
  const changed = useCheckpointChanged(checkpointId, projectId);
  return useMutation({
    mutationFn: () => must(api.POST("/api/checkpoints/{checkpoint_id}/continuity", { ...checkpointPath(checkpointId), body: {} })),
    onSettled: changed,
  });
}

/** Save the video spec as a new version (the server's 422 names the field). */
export function useSpecSaveMutation(checkpointId: string) {
  const changed = useCheckpointChanged(checkpointId);
  return useMutation({
    mutationFn: ({ title, logline, style, aspect_ratio, duration_s, beats }: Schemas["VideoSpec"]) =>
      must(
        api.PATCH("/api/checkpoints/{checkpoint_id}/spec", {
          ...checkpointPath(checkpointId),
          body: { title, logline, aspect_ratio, duration_s, beats, ...(style ? { style } : {}) },
        }),
      ),
    onSuccess: changed,
  });
}

/** Make a frame a reference asset: a new asset in that manifest, processed at once, so it and the
 * lists showing it are read again. */
export function usePromoteMutation(checkpointId: string) {
  const manifestChanged = useManifestChanged();
  return useMutation({
    mutationFn: (body: Schemas["PromoteRequest"]) => must(api.POST("/api/checkpoints/{checkpoint_id}/promote", { ...checkpointPath(checkpointId), body })),
    onSuccess: (asset) => manifestChanged(asset.manifest_id),
  });
}

/** Generate a beat image or a chunk clip again: a job, followed by useRegeneration. */
export function useRegenerateMutation(checkpointId: string, artifact: Artifact) {
  const index = Number(artifact.artifact_key);
  return useMutation({
    mutationFn: () =>
      must(
        artifact.artifact_type === "beat_image"
          ? api.POST("/api/checkpoints/{checkpoint_id}/regenerate-beat", { ...checkpointPath(checkpointId), body: { beat_index: index } })
          : api.POST("/api/checkpoints/{checkpoint_id}/regenerate-chunk", { ...checkpointPath(checkpointId), body: { chunk_index: index } }),
      ),
  });
}

/** A beat's image replaced by an upload: a new version, or a refusal; the checkpoint is read again. */
export function useReplaceImageMutation(checkpointId: string, artifact: Artifact) {
  const changed = useCheckpointChanged(checkpointId);
  return useMutation({
    mutationFn: (file: File) =>
      must(
        api.POST("/api/checkpoints/{checkpoint_id}/upload-image", {
          ...checkpointPath(checkpointId),
          ...multipart<{ file: string; beat_index: string }>({ file, beat_index: artifact.artifact_key }),
        }),
      ),
    onSettled: changed,
  });
}
