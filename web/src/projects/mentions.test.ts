import { describe, expect, it } from "vitest";
import type { Schemas } from "../api/client";
import { candidates, insertMention, mentionAt, mentionOf } from "./mentions";

const member = (handle: string, name: string) => ({ character_id: handle, handle, name }) as Schemas["CastMember"];
const cast = [member("CHAR_01", "Obama"), member("CHAR_02", "Biden"), member("CHAR_03", "Jean-Luc Picard"), member("CHAR_04", "obama")];

describe("mentionAt", () => {
  it.each([
    ["two men: @Ob", 12, { start: 9, query: "Ob" }],
    ["@", 1, { start: 0, query: "" }],
    ["(@bi", 4, { start: 1, query: "bi" }],
    ["mail me@example", 15, null], // an address, not a mention
    ["café@Ob", 7, null], // after a letter (any script's), the server reads no mention
    ["李 @李", 4, { start: 2, query: "李" }],
    ["@Obama walks", 12, null], // the caret is past it
    ["no mention", 10, null],
  ])("%j with the caret at %i", (text, caret, expected) => {
    expect(mentionAt(text, caret)).toEqual(expected);
  });
});

describe("mentionOf", () => {
  it("writes @Name when that names only them (as the server keys names), else the handle", () => {
    expect(mentionOf(cast[1], cast)).toBe("@Biden");
    expect(mentionOf(cast[0], cast)).toBe("CHAR_01"); // two Obamas (the server compares names casefolded)
    expect(mentionOf(cast[2], cast)).toBe("@Jean-Luc Picard"); // a name of several words, as it is spelled
    expect(mentionOf(member("CHAR_09", " Joe  Biden "), [member("CHAR_09", " Joe  Biden ")])).toBe("@Joe Biden");
    const twins = [member("CHAR_05", "Mary Ann"), member("CHAR_06", "MaryAnn")];
    expect(twins.map((m) => mentionOf(m, twins))).toEqual(["@Mary Ann", "CHAR_06"]); // "maryann" is both's there
    expect(mentionOf(member("CHAR_07", "Zoë"), [member("CHAR_07", "Zoë")])).toBe("@Zoë");
    expect(mentionOf(member("CHAR_08", "2Pac"), [member("CHAR_08", "2Pac")])).toBe("CHAR_08"); // a name must start with a letter
  });
});

describe("candidates", () => {
  it("offers names starting so, then handles, then names holding the query", () => {
    expect(candidates(cast, "ob").map((m) => m.handle)).toEqual(["CHAR_01", "CHAR_04"]);
    expect(candidates(cast, "char_02").map((m) => m.handle)).toEqual(["CHAR_02"]);
    expect(candidates(cast, "picard").map((m) => m.handle)).toEqual(["CHAR_03"]);
    expect(candidates(cast, "").length).toBe(4);
    expect(candidates(cast, "", 2).length).toBe(2);
  });
});

describe("insertMention", () => {
  it("replaces what was typed and puts the caret after a space", () => {
    expect(insertMention("two men: @Bi", { start: 9, query: "Bi" }, "@Biden")).toEqual({ text: "two men: @Biden ", caret: 16 });
    expect(insertMention("@Bi debate", { start: 0, query: "Bi" }, "@Biden")).toEqual({ text: "@Biden debate", caret: 7 });
  });
});
