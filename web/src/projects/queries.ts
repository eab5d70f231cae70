// A project's reads: the project (polled until it finishes), its snapshot (written once, never
// changed), its continuity (read again whenever the project changes) and its checkpoints; and the
// writes that start a project or change one, each reading again what it changed.
import { queryOptions, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo } from "react";
import { ApiError, must } from "../api/answers";
import { api, type Schemas } from "../api/client";
import { keys } from "../api/keys";
import { type Person, peopleByHandle, useRunStatus } from "../manifest";

export const PROJECT_POLL_MS = 3000;

export const projectsQuery = queryOptions({
  queryKey: keys.projects,
  queryFn: ({ signal }) => must(api.GET("/api/projects", { signal })),
});

/** `finished`: the statuses the server calls terminal (its rules); until then the project is polled. */
export function projectQuery(projectId: string, finished: readonly Schemas["ProjectStatus"][]) {
  return queryOptions({
    queryKey: keys.project(projectId),
    queryFn: ({ signal }) => must(api.GET("/api/projects/{project_id}", { params: { path: { project_id: projectId } }, signal })),
    refetchInterval: (query) => {
      const status = query.state.data?.status;
      return status && !finished.includes(status) ? PROJECT_POLL_MS : false;
    },
  });
}

const path = (projectId: string) => ({ params: { path: { project_id: projectId } } });

export function snapshotQuery(projectId: string, snapshotId: string) {
  return queryOptions({
    queryKey: keys.snapshot(projectId, snapshotId),
    queryFn: ({ signal }) => must(api.GET("/api/projects/{project_id}/snapshot", { ...path(projectId), signal })),
    staleTime: Infinity, // a snapshot never changes
    // A fork's snapshot is written as its run settles: a 409 until then, so ask again shortly.
    retry: (failures, error) => error instanceof ApiError && error.status === 409 && failures < 10,
    retryDelay: 1000,
  });
}

/** `asOf`: the project's updated_at; each change of the project is a new read. */
export function continuityQuery(projectId: string, asOf: string) {
  return queryOptions({
    queryKey: keys.continuity(projectId, asOf),
    queryFn: ({ signal }) => must(api.GET("/api/projects/{project_id}/continuity", { ...path(projectId), signal })),
  });
}

export function checkpointsQuery(projectId: string) {
  return queryOptions({
    queryKey: keys.checkpoints(projectId),
    queryFn: ({ signal }) => must(api.GET("/api/projects/{project_id}/checkpoints", { ...path(projectId), signal })),
  });
}

/** A scene's reference pack for the video model; `snapshotId`: the pack is the snapshot's, fixed with it. */
export function packQuery(projectId: string, sceneIndex: number, snapshotId: string) {
  return queryOptions({
    queryKey: keys.pack(projectId, sceneIndex, snapshotId),
    queryFn: ({ signal }) =>
      must(
        api.GET("/api/projects/{project_id}/scenes/{scene_index}/references", {
          params: { path: { project_id: projectId, scene_index: sceneIndex }, query: { target: "video" } },
          signal,
        }),
      ),
  });
}

/** A project's snapshot, read once it exists: a fork's is written when its manifest's run finishes
 * (until then it is not asked for). */
export function useSnapshot(project: Schemas["ProjectOut"] | undefined) {
  const isFork = Boolean(project?.parent_project_id && project?.manifest_id);
  const runStatus = useRunStatus(isFork ? project?.manifest_id : null);
  const snapshotId = isFork && (runStatus === undefined || runStatus === "PROCESSING") ? null : project?.snapshot_id;
  const { data: snapshot = null } = useQuery({ ...snapshotQuery(project?.project_id ?? "", snapshotId ?? ""), enabled: Boolean(snapshotId) });
  return { snapshot, snapshotId: snapshotId ?? null, isFork };
}

/** The cast of a project's snapshot by handle (name and face), for chips on any of its pages: the
 * project and its snapshot are the project page's own reads (shared in the cache). */
export function useProjectPeople(projectId: string | undefined, finished: readonly Schemas["ProjectStatus"][]): Map<string, Person> {
  const { data: project } = useQuery({ ...projectQuery(projectId ?? "", finished), enabled: Boolean(projectId) });
  const { snapshot } = useSnapshot(project);
  return useMemo(() => peopleByHandle(snapshot), [snapshot]);
}

/** A new project: the list of projects, and its manifest's "times used" on the library's cards (not
 * waited for: the creator goes on to the project). */
export function useGenerateMutation() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["GenerateRequest"]) => must(api.POST("/api/generate", { body })),
    onSuccess: () => void Promise.all([client.invalidateQueries({ queryKey: keys.projects }), client.invalidateQueries({ queryKey: keys.manifests })]),
  });
}

/** What a film of this length may cost at most, and the budget a request without one gets: read
 * as the creator chooses the length, before anything starts. */
export function quoteQuery(targetDurationS: number) {
  return queryOptions({
    queryKey: keys.quote(targetDurationS),
    queryFn: ({ signal }) => must(api.GET("/api/generate/quote", { params: { query: { target_duration_s: targetDurationS } }, signal })),
    staleTime: 5 * 60_000, // prices change with a deployment, not while a form is open
  });
}

/** Stop the project's run: the project and its checkpoints are read again. */
export function useStopMutation(projectId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => must(api.POST("/api/projects/{project_id}/stop", path(projectId))),
    onSettled: () => client.invalidateQueries({ queryKey: keys.project(projectId) }),
  });
}

/** Continue the film from a checkpoint (approve it; an edited one opens a new branch): the
 * checkpoint, and its project with its checkpoints, are read again. */
export function useContinueMutation(checkpointId: string, projectId: string | undefined) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => must(api.POST("/api/checkpoints/{checkpoint_id}/continue", { params: { path: { checkpoint_id: checkpointId } } })),
    onSettled: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: keys.checkpoint(checkpointId) }),
        projectId && client.invalidateQueries({ queryKey: keys.project(projectId) }),
      ]),
  });
}

/** A project's settings (its repair budget, auto-repair): the project is read again. */
export function useProjectUpdateMutation(projectId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["ProjectUpdate"]) => must(api.PATCH("/api/projects/{project_id}", { ...path(projectId), body })),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.project(projectId) }),
  });
}
