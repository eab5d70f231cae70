// Start a repair: a job that regenerates an artifact with its scene's references until continuity
// holds. Its progress is the artifact's latest_repair on the checkpoint, so starting one re-reads the
// checkpoint (which is then polled while the repair runs: checkpoints' query).
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { must } from "../api/answers";
import { api, type Schemas } from "../api/client";
import { keys } from "../api/keys";

/** Whether an artifact's latest repair is still going (its checkpoint is polled until it is not). */
export const repairRunning = (a: Pick<Schemas["ArtifactOut"], "latest_repair">) =>
  a.latest_repair?.status === "QUEUED" || a.latest_repair?.status === "RUNNING";

export function useRepairMutation(checkpointId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["RepairRequest"]) =>
      must(api.POST("/api/checkpoints/{checkpoint_id}/repair", { params: { path: { checkpoint_id: checkpointId } }, body })),
    onSettled: () => client.invalidateQueries({ queryKey: keys.checkpoint(checkpointId) }),
  });
}
