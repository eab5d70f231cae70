import { describe, expect, it } from "vitest";
import type { Schemas } from "../api/client";
import { versionLabels } from "./labels";

const version = (n: number, repair?: [string, number]) =>
  ({ version: n, generator: "pipeline", ...(repair ? { repair: { job_id: repair[0], attempt: repair[1] } } : {}) }) as Schemas["ArtifactVersionOut"];

describe("versionLabels", () => {
  it("counts repairs per artifact, so two repairs' first attempts read apart", () => {
    const labels = versionLabels([version(1), version(2, ["a", 1]), version(3, ["b", 1]), version(4, ["b", 2]), version(5)]);
    expect([...labels.values()]).toEqual(["v1 · pipeline", "v2 · repair 1", "v3 · repair 2", "v4 · repair 2, try 2", "v5 · pipeline"]);
    expect(new Set(labels.values()).size).toBe(5);
  });
});
