import { describe, expect, it } from "vitest";
import { attemptLine, outcomeLine } from "./words";

const attempt = { attempt: 1, version: 2, status: "ok", at: "2026-12-06T00:00:00Z", references: ["CHAR_03", "CHAR_01"] };

describe("repair words", () => {
  it("says each attempt in a line, with what it was made with and what went wrong", () => {
    expect(attemptLine(attempt)).toBe("Attempt 1: v2 ok with CHAR_03, CHAR_01");
    expect(attemptLine({ ...attempt, status: "unknown", missing: ["CHAR_03"], unknown_faces: 2, references: [] })).toBe(
      "Attempt 1: v2 unknown (missing CHAR_03, 2 unknown faces)",
    );
  });
  it("says whether the repair held, as the server judged it", () => {
    expect(outcomeLine({ attempts: 1, best_version: 2, outcome: "ok", repaired: true })).toBe("Repaired: v2 is ok after 1 attempt.");
    expect(outcomeLine({ attempts: 3, best_version: 3, outcome: "unsure", repaired: false })).toMatch(
      /^Not repaired after 3 attempts: the best is v3 \(unsure\)/,
    );
  });
});
