import { describe, expect, it } from "vitest";
import { namedFaces } from "./FrameFaces";

const base = { status: "unexpected", job_id: "j", requested_at: "2026-12-06T00:00:00Z" } as const;
const obama = { character_id: "o", handle: "CHAR_01", name: "Obama", expected: true, similarity: 0.8, frames_seen: 1 };
const biden = { character_id: "b", handle: "CHAR_02", name: "Biden", expected: false, similarity: 0.9, frames_seen: 1 };
const face = (fields: object) => ({ frame: 0, box: [0, 0, 10, 10], character_id: null, matched: false, similarity: 0.1, identifiable: true, ...fields });

describe("faces named on a frame", () => {
  it("names the cast, marks who was not asked for, strangers and faces that cannot be told", () => {
    const report = {
      ...base,
      characters: [obama, biden],
      faces: [
        face({ character_id: "o", matched: true, similarity: 0.8 }),
        face({ character_id: "b", matched: true, similarity: 0.9 }),
        face({}),
        face({ identifiable: false, similarity: 0 }),
        face({ character_id: "o", similarity: 0.5 }),
        face({ frame: 1, character_id: "o", matched: true }),
      ],
    };
    expect(namedFaces(report, 0).map((f) => [f.label, f.tone])).toEqual([
      ["Obama (CHAR_01)", "cast"],
      ["Biden (CHAR_02), not asked for", "wrong"],
      ["somebody not in the cast", "wrong"],
      ["a face too small or blurred to tell", "unsure"],
      ["looks like Obama, not enough to tell", "unsure"],
    ]);
    expect(namedFaces(null, 0)).toEqual([]);
  });
});
