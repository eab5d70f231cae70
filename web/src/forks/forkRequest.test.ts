import { describe, expect, it } from "vitest";
import { type ForkDraft, type Parent, base64Of, forkRequest, previewSentence } from "./forkRequest";

const parent: Parent = {
  prompt: "a debate",
  style: "noir",
  scenes: [
    { index: 0, storyboard_text: "scene 0" },
    { index: 1, storyboard_text: "scene 1" },
  ],
  assets: [
    { id: "a", name: "Obama", reverse_prompt: "a man", character_id: "obama" },
    { id: "b", name: "Biden", reverse_prompt: "another man", character_id: "biden" },
    { id: "c", name: "Podium", reverse_prompt: null },
  ],
};
const untouched = (): ForkDraft => ({
  prompt: "a debate",
  style: "noir",
  clearKeyframes: false,
  scenes: { 0: { text: "scene 0", deleted: false }, 1: { text: "scene 1", deleted: false } },
  assets: {
    a: { mode: "lock", name: "Obama", reversePrompt: "a man", newViews: [], removedViewIds: [] },
    b: { mode: "lock", name: "Biden", reversePrompt: "another man", newViews: [], removedViewIds: [] },
    c: { mode: "lock", name: "Podium", reversePrompt: "", newViews: [], removedViewIds: [] },
  },
  removedCharacters: [],
  uploads: [],
});

describe("forkRequest", () => {
  it("removes a character as a whole, and sends no edit of its assets", () => {
    const draft = untouched();
    draft.removedCharacters = ["biden"];
    draft.assets.b = { ...draft.assets.b, mode: "edit", name: "Joe" }; // edited, then its character removed
    expect(forkRequest(parent, draft)).toEqual({ asset_changes: { removed_character_ids: ["biden"] } });
  });
  it("sends nothing when nothing changed: everything is inherited", () => {
    expect(forkRequest(parent, untouched())).toEqual({});
  });
  it("sends only what changed", () => {
    const draft = untouched();
    draft.style = "watercolour";
    draft.scenes[1] = { text: "a new end", deleted: false };
    draft.assets.a = { ...draft.assets.a, mode: "edit", reversePrompt: "a tall man", removedViewIds: ["v1"] };
    draft.assets.b = { ...draft.assets.b, mode: "remove" };
    draft.assets.c = { ...draft.assets.c, mode: "edit" }; // edit chosen, nothing edited: inherited
    draft.uploads = [{ image_data: "AAAA", name: "Hat", asset_type: "OBJECT" }];
    expect(forkRequest(parent, draft)).toEqual({
      style: "watercolour",
      scene_edits: { "1": { storyboard_text: "a new end" } },
      asset_changes: {
        modified_assets: { a: { changes: { reverse_prompt: "a tall man", removed_view_ids: ["v1"] } } },
        removed_asset_ids: ["b"],
        new_uploads: [{ image_data: "AAAA", name: "Hat", asset_type: "OBJECT" }],
      },
    });
  });
  it("deletes scenes and clears keyframes", () => {
    const draft = untouched();
    draft.scenes[0] = { text: "edited but deleted", deleted: true };
    draft.clearKeyframes = true;
    expect(forkRequest(parent, draft)).toEqual({ clear_keyframes: true, deleted_scenes: [0] });
  });
});

describe("base64Of", () => {
  it("reads a file's bytes as base64", async () => {
    expect(await base64Of(new Blob([new Uint8Array([1, 2, 3, 250])]))).toBe("AQID+g==");
  });
});

describe("previewSentence", () => {
  it.each([
    [{ resume_stage: "complete", scene_copy_boundary: 4, scene_count: 4 }, "Nothing to redo: every scene is inherited."],
    [{ resume_stage: "keyframing", scene_copy_boundary: 2, scene_count: 4 }, "The fork keeps scenes 1–2 of 4 as they are and makes the rest again from the first frames."],
    [{ resume_stage: "keyframing", scene_copy_boundary: 1, scene_count: 2 }, "The fork keeps scene 1 of 2 as it is and makes the rest again from the first frames."],
    [{ resume_stage: "storyboarding", scene_copy_boundary: 0, scene_count: 4 }, "The fork keeps no scene and makes the rest again from the storyboard."],
  ] as const)("%j", (preview, sentence) => {
    expect(previewSentence(preview)).toBe(sentence);
  });
});
