import { describe, expect, it } from "vitest";
import type { Schemas } from "../api/client";
import { peopleByHandle } from "./people";

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

describe("peopleByHandle", () => {
  it("gives each handle a reports names its character's name and face", () => {
    expect([...peopleByHandle(snapshot)]).toEqual([
      ["CHAR_01", { name: "Obama", face: "/obama-face" }],
      ["CHAR_02", { name: "Biden", face: "/biden-photo" }],
    ]);
    expect(peopleByHandle(null).size).toBe(0);
  });
});
