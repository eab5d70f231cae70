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
    ["@Obama walks", 12, null], // the caret is past it
    ["no mention", 10, null],
  ])("%j with the caret at %i", (text, caret, expected) => {
    expect(mentionAt(text, caret)).toEqual(expected);
  });
});

describe("mentionOf", () => {
  it("writes @Name when the name is one word and names only them, else the handle", () => {
    expect(mentionOf(cast[1], cast)).toBe("@Biden");
    expect(mentionOf(cast[0], cast)).toBe("CHAR_01"); // two Obamas (the server compares names casefolded)
    expect(mentionOf(cast[2], cast)).toBe("CHAR_03"); // not one word
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
