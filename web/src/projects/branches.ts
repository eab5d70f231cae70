// Branches are named by descent: main -> main-1 -> main-1-1 (docs/checkpoints.md). The tree is read
// off the names of the checkpoints' branches.
import type { Schemas } from "../api/client";

type Checkpoint = Schemas["CheckpointOut"];

export interface Branch {
  name: string;
  depth: number;
  checkpoints: Checkpoint[];
}

/** "main-1-2" -> "main-1"; "main" -> null. */
export function parentBranch(name: string): string | null {
  const cut = name.lastIndexOf("-");
  return cut > 0 ? name.slice(0, cut) : null;
}

/** Every branch with its checkpoints by phase, each followed by the branches it opened (depth-first).
 * A branch a continuation opened is there before the pipeline records anything on it. */
export function branchTree(checkpoints: Checkpoint[]): Branch[] {
  const byBranch = new Map<string, Checkpoint[]>();
  for (const c of checkpoints) byBranch.set(c.branch, [...(byBranch.get(c.branch) ?? []), c]);
  for (const c of checkpoints) {
    for (const opened of Object.values(c.continuations ?? {})) if (!byBranch.has(opened.branch)) byBranch.set(opened.branch, []);
  }
  for (const name of [...byBranch.keys()]) {
    for (let up = parentBranch(name); up; up = parentBranch(up)) if (!byBranch.has(up)) byBranch.set(up, []);
  }
  const children = new Map<string | null, string[]>();
  for (const name of byBranch.keys()) {
    const up = parentBranch(name);
    children.set(up, [...(children.get(up) ?? []), name]);
  }
  const numeric = (a: string, b: string) => a.localeCompare(b, undefined, { numeric: true });
  const out: Branch[] = [];
  const walk = (name: string, depth: number) => {
    const own = [...(byBranch.get(name) ?? [])].sort((a, b) => a.phase - b.phase);
    out.push({ name, depth, checkpoints: own });
    for (const child of (children.get(name) ?? []).sort(numeric)) walk(child, depth + 1);
  };
  for (const root of (children.get(null) ?? []).sort(numeric)) walk(root, 0);
  return out;
}
