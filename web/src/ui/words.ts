/** How a person counts scenes, beats and chunks: from one (the API's indexes count from zero). */
export const counted = (index: number | string): number => Number(index) + 1;

/** A project's status and stage, as a person says them. */
export const PROJECT_STATUS: Record<string, string> = {
  pending: "Draft",
  running: "In progress",
  complete: "Ready",
  failed: "Failed",
  stopped: "Stopped",
};
/** A project's status in a line: a film the product makes waits for its creator's approval
 * where a project of the caller's pipeline is a draft. */
export function projectStatus(project: { status?: string | null; pipeline?: string | null }): string {
  const status = project.status ?? "pending";
  if (status === "pending" && project.pipeline === "built_in") return "Waiting for your approval";
  return PROJECT_STATUS[status] ?? status;
}
export const PROJECT_STAGE: Record<string, string> = {
  storyboarding: "storyboard",
  keyframing: "keyframes",
  video_generation: "video",
  stitching: "stitching",
  complete: "done",
};

/** A checkpoint's state: approved or waiting, and how many edits it has had. */
export function checkpointState(status: string | undefined, revision: number): string {
  const edits = revision === 0 ? "no edits" : revision === 1 ? "1 edit" : `${revision} edits`;
  return `${status === "approved" ? "Approved" : "Waiting for approval"} · ${edits}`;
}

/** ["JPEG", "PNG", "WebP"] -> "JPEG, PNG or WebP". */
export function inWords(items: string[]): string {
  const last = items.at(-1) ?? "";
  return items.length > 1 ? `${items.slice(0, -1).join(", ")} or ${last}` : last;
}

/** A manifest's status, as a person says it. */
export const MANIFEST_STATUS: Record<string, string> = {
  DRAFT: "Draft",
  PROCESSING: "Processing",
  READY: "Ready",
  ERROR: "Failed",
};

/** What each asset type holds, in the plural a filter offers. */
export const TYPE_WORDS: Record<string, string> = {
  CHARACTER: "People",
  OBJECT: "Objects",
  ENVIRONMENT: "Environments",
  STYLE: "Styles",
};

/** An amount in dollars as a creator reads it: "$9.74"; a few tenths of a cent, "under $0.01". */
export const dollars = (amount: number): string => (amount > 0 && amount < 0.005 ? "under $0.01" : `$${amount.toFixed(2)}`);

/** A moment of a film: 75 -> "1:15". */
export const clock = (seconds: number): string => `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, "0")}`;
