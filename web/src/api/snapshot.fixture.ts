import type { Schemas } from "./client";

/** A snapshot of two characters (Obama with a photo and a face crop, Biden whose face crop is gone)
 * and an object, as the API answers it: the studio's tests of cast naming share it. */
export const SNAPSHOT = {
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
