// The fork panel's state turned into the fork request the API takes: only what changed is sent,
// so what is not touched is inherited.
import type { Schemas } from "../api/client";

export type AssetMode = "lock" | "edit" | "remove";

export interface AssetDraft {
  mode: AssetMode;
  name: string;
  reversePrompt: string;
  referenceImage?: string; // base64
  newViews: { view: "front" | "left" | "right" | "back" | "other"; image_data: string }[];
  removedViewIds: string[]; // inherited views taken off
}

export interface SceneDraft {
  text: string;
  deleted: boolean;
}

export interface ForkDraft {
  prompt: string;
  style: string;
  clearKeyframes: boolean;
  scenes: Record<number, SceneDraft>;
  assets: Record<string, AssetDraft>;
  removedCharacters: string[]; // character ids: each takes every asset of it (the server's rule)
  uploads: Schemas["NewUpload"][];
}

export interface Parent {
  prompt: string;
  style?: string | null;
  scenes: { index: number; storyboard_text?: string | null }[];
  assets: { id: string; name: string; reverse_prompt?: string | null; character_id?: string | null }[];
}

export function forkRequest(parent: Parent, draft: ForkDraft): Schemas["ForkRequest"] {
  const request: Schemas["ForkRequest"] = {};
  if (draft.prompt.trim() && draft.prompt !== parent.prompt) request.prompt = draft.prompt;
  if (draft.style.trim() && draft.style !== (parent.style ?? "")) request.style = draft.style;
  if (draft.clearKeyframes) request.clear_keyframes = true;
  const edits: Record<string, { storyboard_text: string }> = {};
  const deleted: number[] = [];
  for (const scene of parent.scenes) {
    const d = draft.scenes[scene.index];
    if (!d) continue;
    if (d.deleted) deleted.push(scene.index);
    else if (d.text.trim() && d.text !== (scene.storyboard_text ?? "")) edits[String(scene.index)] = { storyboard_text: d.text };
  }
  if (Object.keys(edits).length) request.scene_edits = edits;
  if (deleted.length) request.deleted_scenes = deleted;

  const modified: Record<string, Schemas["ModifiedAsset"]> = {};
  const removed: string[] = [];
  const gone = new Set(draft.removedCharacters);
  for (const asset of parent.assets) {
    const d = draft.assets[asset.id];
    if (!d || d.mode === "lock" || (asset.character_id && gone.has(asset.character_id))) continue;
    if (d.mode === "remove") {
      removed.push(asset.id);
      continue;
    }
    const changes: Schemas["AssetEdit"] = {};
    if (d.name.trim() && d.name !== asset.name) changes.name = d.name;
    if (d.reversePrompt !== (asset.reverse_prompt ?? "")) changes.reverse_prompt = d.reversePrompt;
    if (d.referenceImage) changes.reference_image = d.referenceImage;
    if (d.newViews.length) changes.new_views = d.newViews;
    if (d.removedViewIds.length) changes.removed_view_ids = d.removedViewIds;
    if (Object.keys(changes).length) modified[asset.id] = { changes };
  }
  if (Object.keys(modified).length || removed.length || gone.size || draft.uploads.length) {
    request.asset_changes = {
      ...(Object.keys(modified).length ? { modified_assets: modified } : {}),
      ...(removed.length ? { removed_asset_ids: removed } : {}),
      ...(gone.size ? { removed_character_ids: [...gone] } : {}),
      ...(draft.uploads.length ? { new_uploads: draft.uploads } : {}),
    };
  }
  return request;
}

/** A file's bytes as base64 (what the fork request carries inline). */
export function base64Of(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ""));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

/** What the preview says, in a sentence. */
export function previewSentence(preview: Schemas["ForkPreview"]): string {
  if (preview.resume_stage === "complete") return "Nothing to redo: every scene is inherited.";
  const boundary = preview.scene_copy_boundary;
  const kept =
    boundary === 0 ? "keeps no scene" : boundary === 1 ? `keeps scene 1 of ${preview.scene_count} as it is` : `keeps scenes 1–${boundary} of ${preview.scene_count} as they are`; // counted from one
  return `The fork ${kept} and makes the rest again from ${FROM[preview.resume_stage] ?? preview.resume_stage}.`;
}

// Where a fork starts making its film again, as a creator says it.
const FROM: Record<string, string> = { storyboarding: "the storyboard", keyframing: "the first frames", video_generation: "the clips", stitching: "the cut" };
