// A fork's draft as the panel edits it: where it starts (the parent project and its snapshot, nothing
// changed) and each change made to it, as plain functions; forkRequest.ts turns it into the request.
import type { Schemas } from "../api/client";
import type { AssetDraft, AssetMode, ForkDraft, SceneDraft } from "./forkRequest";

type Project = Pick<Schemas["ProjectDetail"], "prompt" | "style" | "scenes">;
type Snapshot = Pick<Schemas["SnapshotOut"], "assets">;

/** What happens to a character in the fork: kept as it is, its naming photo edited, or removed whole. */
export type CharacterMode = "keep" | "edit" | "remove";
export const CHARACTER_MODES: CharacterMode[] = ["keep", "edit", "remove"];
export const ASSET_MODES: AssetMode[] = ["lock", "edit", "remove"];

export function initialDraft(project: Project, snapshot: Snapshot | null): ForkDraft {
  return {
    prompt: project.prompt,
    style: project.style ?? "",
    clearKeyframes: false,
    scenes: Object.fromEntries(project.scenes.map((s) => [s.index, { text: s.storyboard_text ?? "", deleted: false }])),
    assets: Object.fromEntries(
      (snapshot?.assets ?? []).map((a) => [a.id, { mode: "lock" as AssetMode, name: a.name, reversePrompt: a.reverse_prompt ?? "", newViews: [], removedViewIds: [] }]),
    ),
    removedCharacters: [],
    uploads: [],
  };
}

export const withAsset = (d: ForkDraft, id: string, patch: Partial<AssetDraft>): ForkDraft => ({
  ...d,
  assets: { ...d.assets, [id]: { ...d.assets[id], ...patch } },
});

export const withScene = (d: ForkDraft, index: number, patch: Partial<SceneDraft>): ForkDraft => ({
  ...d,
  scenes: { ...d.scenes, [index]: { ...d.scenes[index], ...patch } },
});

/** A character's mode: removed (every asset of it goes), or its naming asset (`namedId`) edited or kept. */
export function characterMode(d: ForkDraft, characterId: string, namedId: string): CharacterMode {
  return d.removedCharacters.includes(characterId) ? "remove" : d.assets[namedId]?.mode === "edit" ? "edit" : "keep";
}

export function withCharacterMode(d: ForkDraft, characterId: string, namedId: string, mode: CharacterMode): ForkDraft {
  const removed = mode === "remove" ? [...new Set([...d.removedCharacters, characterId])] : d.removedCharacters.filter((c) => c !== characterId);
  return withAsset({ ...d, removedCharacters: removed }, namedId, { mode: mode === "edit" ? "edit" : "lock" });
}
