// The fork itself: a new project made from a finished one (its preview, a read, is preview.ts).
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { must } from "../api/answers";
import { api, type Schemas } from "../api/client";
import { keys } from "../api/keys";

/** Fork `projectId`: the fork is a new project, so the list of projects is read again (not waited for:
 * the creator goes on to the fork). */
export function useForkMutation(projectId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["ForkRequest"]) => must(api.POST("/api/projects/{project_id}/fork", { params: { path: { project_id: projectId } }, body })),
    onSuccess: () => void client.invalidateQueries({ queryKey: keys.projects }),
  });
}
