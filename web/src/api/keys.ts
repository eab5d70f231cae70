// Every cached server read has its key here, so a write can name what it changed. Keys nest:
// invalidating ["manifest", id] re-reads the manifest and its run's progress; ["manifests"] every
// list of manifests; ["project", id] a project and everything read under it.
import type { operations } from "./schema";

/** GET /api/manifests's filters, sort and page size (the cursor is a page's, not the list's). */
export type ManifestListQuery = Omit<NonNullable<operations["list_manifests"]["parameters"]["query"]>, "cursor">;

export const keys = {
  config: ["config"] as const,
  manifests: ["manifests"] as const,
  manifestPages: (query: ManifestListQuery) => ["manifests", "pages", query] as const,
  manifestList: (query: ManifestListQuery) => ["manifests", "list", query] as const,
  manifest: (manifestId: string) => ["manifest", manifestId] as const,
  progress: (manifestId: string) => ["manifest", manifestId, "progress"] as const,
  projects: ["projects"] as const,
  quote: (targetDurationS: number) => ["quote", targetDurationS] as const,
  project: (projectId: string) => ["project", projectId] as const,
  snapshot: (projectId: string, snapshotId: string) => ["project", projectId, "snapshot", snapshotId] as const,
  continuity: (projectId: string, asOf: string) => ["project", projectId, "continuity", asOf] as const,
  checkpoints: (projectId: string) => ["project", projectId, "checkpoints"] as const,
  pack: (projectId: string, sceneIndex: number, snapshotId: string) => ["project", projectId, "pack", sceneIndex, snapshotId] as const,
  forkPreview: (projectId: string, body: unknown) => ["project", projectId, "fork-preview", body] as const,
  checkpoint: (checkpointId: string) => ["checkpoint", checkpointId] as const,
  job: (taskId: string) => ["job", taskId] as const,
};
