import { describe, expect, it } from "vitest";
import type { Schemas } from "../api/client";
import { branchTree, parentBranch } from "./branches";

const cp = (branch: string, phase: number) => ({ branch, phase, checkpoint_id: `${branch}/${phase}` }) as Schemas["CheckpointOut"];

describe("branchTree", () => {
  it("nests branches under the ones they came from, phases in order", () => {
    const tree = branchTree([cp("main-1", 2), cp("main", 2), cp("main", 1), cp("main-10", 3), cp("main-2", 3), cp("main-1-1", 3)]);
    expect(tree.map((b) => [b.name, b.depth, b.checkpoints.map((c) => c.phase)])).toEqual([
      ["main", 0, [1, 2]],
      ["main-1", 1, [2]],
      ["main-1-1", 2, [3]],
      ["main-2", 1, [3]],
      ["main-10", 1, [3]],
    ]);
  });
  it("shows a branch whose parent has no checkpoint of its own", () => {
    expect(branchTree([cp("main-1", 2)]).map((b) => b.name)).toEqual(["main", "main-1"]);
  });
  it("shows a branch a continuation opened before anything is recorded on it", () => {
    const continued = { ...cp("main", 1), continuations: { "1": { branch: "main-1", new_branch: true, next_step: "x", at: "t" } } };
    expect(branchTree([continued]).map((b) => [b.name, b.checkpoints.length])).toEqual([
      ["main", 1],
      ["main-1", 0],
    ]);
  });
  it("knows a branch's parent", () => {
    expect([parentBranch("main"), parentBranch("main-1"), parentBranch("main-1-3")]).toEqual([null, "main", "main-1"]);
  });
});
