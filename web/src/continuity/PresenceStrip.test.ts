import { describe, expect, it } from "vitest";
import type { Schemas } from "../api/client";
import { presence } from "./PresenceStrip";

const face = (frame: number, fields: Partial<Schemas["FaceInFrame"]>): Schemas["FaceInFrame"] => ({
  frame,
  box: [0, 0, 1, 1],
  character_id: null,
  matched: false,
  similarity: 0.1,
  identifiable: true,
  ...fields,
});

describe("a clip's presence", () => {
  it("follows each character's likeness frame by frame, dips included, and marks strangers", () => {
    const report: Schemas["ContinuityReport"] = {
      status: "drift",
      job_id: "j",
      requested_at: "2026-12-06T00:00:00Z",
      frames_at_s: [0, 0.5, 1, 1.5],
      characters: [{ character_id: "o", handle: "CHAR_01", name: "Obama", expected: true, similarity: 0.8, frames_seen: 2 }],
      faces: [
        face(0, { character_id: "o", matched: true, similarity: 0.8 }),
        face(1, { character_id: "o", similarity: 0.45 }),
        face(2, { identifiable: false }),
        face(3, {}),
      ],
    };
    const { rows, strangers } = presence(report);
    expect(rows).toEqual([{ id: "o", label: "Obama (CHAR_01)", expected: true, likeness: [0.8, 0.45, null, null] }]);
    expect(strangers).toEqual([false, false, false, true]);
  });
});
