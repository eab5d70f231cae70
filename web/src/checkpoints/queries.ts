// A checkpoint's reads: the checkpoint (polled while a continuity check is pending) and the engine
// jobs started on it, each followed until it ends, which re-reads the checkpoint once.
import { queryOptions } from "@tanstack/react-query";
import { must } from "../api/answers";
import { api, type Schemas } from "../api/client";
import { keys } from "../api/keys";

export const CHECKPOINT_POLL_MS = 2000;
export const JOB_POLL_MS = 1000;
const JOB_POLLS = 300; // five minutes: a job still not ended by then is left to a reload

const pending = (c: Schemas["CheckpointDetail"]) => c.artifacts.some((a) => a.continuity?.status === "pending");

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
