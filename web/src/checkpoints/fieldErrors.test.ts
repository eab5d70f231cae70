import { describe, expect, it } from "vitest";
import { fieldErrors } from "./fieldErrors";

describe("fieldErrors", () => {
  it("keys each problem by its field path", () => {
    const body = {
      error: {
        message: "the request is not valid",
        details: [
          { loc: ["duration_s"], msg: "Input should be greater than 0" },
          { loc: ["beats", 1, "description"], msg: "Value error, must hold a visible character" },
        ],
      },
    };
    expect(fieldErrors(body)).toEqual({
      duration_s: "Input should be greater than 0",
      "beats.1.description": "must hold a visible character",
    });
  });
  it("is empty for an error without field details", () => {
    expect(fieldErrors({ error: { message: "conflict" } })).toEqual({});
  });
});
