import { describe, expect, it } from "vitest";
import { SNAPSHOT } from "../api/snapshot.fixture";
import { peopleByHandle } from "./people";

const snapshot = SNAPSHOT;

describe("peopleByHandle", () => {
  it("gives each handle a reports names its character's name and face", () => {
    expect([...peopleByHandle(snapshot)]).toEqual([
      ["CHAR_01", { name: "Obama", face: "/obama-face" }],
      ["CHAR_02", { name: "Biden", face: "/biden-photo" }],
    ]);
    expect(peopleByHandle(null).size).toBe(0);
  });
});
