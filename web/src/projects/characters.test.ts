import { describe, expect, it } from "vitest";
import { SNAPSHOT } from "../api/snapshot.fixture";
import { sceneChips } from "./characters";

const snapshot = SNAPSHOT;

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
