import { describe, expect, it } from "vitest";
import type { Schemas } from "../api/client";
import { sceneChips } from "./characters";

const snapshot = {
  assets: [
    { id: "o1", manifest_tag: "CHAR_01", character_id: "obama", thumbnail_url: "/obama-photo" },
    { id: "o2", manifest_tag: "CHAR_03", character_id: "obama", thumbnail_url: "/obama-face" },
    { id: "b1", manifest_tag: "CHAR_02", character_id: "biden", thumbnail_url: "/biden-photo" },
    { id: "x1", manifest_tag: "OBJ_01", character_id: null },
  ],
  cast: [
    { character_id: "obama", handle: "CHAR_01", name: "Obama", primary_face_asset_id: "o2", best_reference_asset_id: "o1" },
    { character_id: "biden", handle: "CHAR_02", name: "Biden", primary_face_asset_id: "gone", best_reference_asset_id: "b1" },
  ],
} as unknown as Schemas["SnapshotOut"];

describe("sceneChips", () => {
  it("names each character once, whichever of its assets' tags the scene used, with its face", () => {
    expect(sceneChips(["CHAR_03", "CHAR_01", "CHAR_02", "OBJ_01", "ENV_09"], snapshot)).toEqual([
      { key: "obama", label: "CHAR_01 · Obama", character: true, face: "/obama-face" },
      { key: "biden", label: "CHAR_02 · Biden", character: true, face: "/biden-photo" }, // no face crop: the best reference
      { key: "OBJ_01", label: "OBJ_01", character: false },
      { key: "ENV_09", label: "ENV_09", character: false },
    ]);
  });
  it("shows bare tags without a snapshot", () => {
    expect(sceneChips(["CHAR_01"], null)).toEqual([{ key: "CHAR_01", label: "CHAR_01", character: false }]);
  });
});
