import { describe, expect, it } from "vitest";
import type { Schemas } from "../api/client";
import { characterMode, initialDraft, withAsset, withCharacterMode, withScene } from "./draft";

const project = {
  prompt: "Two men talk",
  style: null,
  scenes: [{ index: 0, storyboard_text: "A podium" }, { index: 1 }],
} as unknown as Schemas["ProjectDetail"];
const snapshot = { assets: [{ id: "o1", name: "Obama", reverse_prompt: "a man" }] } as unknown as Schemas["SnapshotOut"];

describe("a fork's draft", () => {
  it("starts from the parent: every scene and asset as it is, nothing removed", () => {
    const d = initialDraft(project, snapshot);
    expect(d).toMatchObject({ prompt: "Two men talk", style: "", clearKeyframes: false, removedCharacters: [], uploads: [] });
    expect(d.scenes).toEqual({ 0: { text: "A podium", deleted: false }, 1: { text: "", deleted: false } });
    expect(d.assets.o1).toEqual({ mode: "lock", name: "Obama", reversePrompt: "a man", newViews: [], removedViewIds: [] });
    expect(initialDraft(project, null).assets).toEqual({});
  });

  it("changes one scene or asset at a time, leaving the rest", () => {
    const d = initialDraft(project, snapshot);
    expect(withScene(d, 1, { deleted: true }).scenes).toEqual({ 0: d.scenes[0], 1: { text: "", deleted: true } });
    expect(withAsset(d, "o1", { name: "Barack" }).assets.o1).toMatchObject({ mode: "lock", name: "Barack" });
    expect(d.assets.o1.name).toBe("Obama"); // the draft itself is not changed
  });

  it("says a character's mode by its naming asset, and a removed character stays removed once", () => {
    const d = initialDraft(project, snapshot);
    expect(characterMode(d, "obama", "o1")).toBe("keep");
    const edited = withCharacterMode(d, "obama", "o1", "edit");
    expect(characterMode(edited, "obama", "o1")).toBe("edit");
    const removed = withCharacterMode(withCharacterMode(edited, "obama", "o1", "remove"), "obama", "o1", "remove");
    expect(removed.removedCharacters).toEqual(["obama"]);
    expect(characterMode(removed, "obama", "o1")).toBe("remove");
    expect(removed.assets.o1.mode).toBe("lock"); // removing the character is the server's rule, not an asset's mode
    expect(characterMode(withCharacterMode(removed, "obama", "o1", "keep"), "obama", "o1")).toBe("keep");
  });
});
