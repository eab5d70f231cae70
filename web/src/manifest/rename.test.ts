import { describe, expect, it } from "vitest";
import { renamed, says } from "./rename";

describe("renaming in the descriptions", () => {
  it.each([
    ["A portrait reference for obama3.", "obama3", true],
    ["A portrait reference for Obama3, smiling", "obama3", true], // any case
    ["obama35 at a podium", "obama3", false], // part of another word
    ["nothing here", "obama3", false],
    ["a (b.c) mark", "b.c", true], // a name with a dot is the name, not a pattern
  ])("%j says %j: %s", (text, name, expected) => {
    expect(says(text, name)).toBe(expected);
  });
  it("says the new name wherever the old one stood as a word", () => {
    expect(renamed("A reference for obama3; obama3 smiles. obama35 stays.", "obama3", "Barack Obama")).toBe(
      "A reference for Barack Obama; Barack Obama smiles. obama35 stays.",
    );
  });
});
