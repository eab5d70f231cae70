import { afterEach, describe, expect, it } from "vitest";
import { SERVED_CONFIG } from "./config.fixture";
import { deleteRefusal, errorMessage } from "./errors";
import { keys } from "./keys";
import { queryClient } from "./queryClient";

afterEach(() => queryClient.clear());

describe("errorMessage", () => {
  it("shows the server's message", () => {
    expect(errorMessage({ error: { code: "conflict", message: "manifest is in use" } }, 409)).toBe(
      "manifest is in use",
    );
  });
  it("names the fields a 422 refused", () => {
    const body = {
      error: {
        message: "the request is not valid",
        details: [{ loc: ["name"], msg: "Value error, must hold a visible character", type: "value_error" }],
      },
    };
    expect(errorMessage(body, 422)).toBe("the request is not valid: name: must hold a visible character");
  });
  it("falls back to a sentence per status when the body says nothing", () => {
    queryClient.setQueryData(keys.config, SERVED_CONFIG);
    expect(errorMessage({}, 415)).toMatch(/JPEG, PNG or WebP/); // as the server names its image types
    expect(errorMessage(undefined, 418)).toBe("The request failed (HTTP 418).");
    expect(errorMessage(undefined)).toBe("The service could not be reached.");
  });
  it("names no image types before the server's config is read", () => {
    expect(errorMessage({}, 415)).toBe("That file is not an image the service accepts.");
  });
  it("explains a refused delete", () => {
    expect(deleteRefusal({ error: { message: "used by 1 live project" } }, 409)).toMatch(
      /^used by 1 live project\. Projects keep working/,
    );
  });
});
