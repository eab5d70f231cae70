import { describe, expect, it } from "vitest";
import { assetNameFromFile, defaultType } from "./upload";

describe("assetNameFromFile", () => {
  it.each([
    ["hero_portrait-2.JPG", "hero portrait 2"],
    ["obama.jpg", "obama"],
    ["a.b.c.png", "a.b.c"],
    [".jpg", "Untitled"],
    ["__.png", "Untitled"],
    [`${"x".repeat(300)}.png`, "x".repeat(200)],
  ])("%s -> %s", (file, name) => {
    expect(assetNameFromFile(file)).toBe(name);
  });
});

describe("defaultType", () => {
  it("follows the manifest's category", () => {
    expect(defaultType("CHARACTERS")).toBe("CHARACTER");
    expect(defaultType("OBJECTS")).toBe("OBJECT");
    expect(defaultType("ENVIRONMENTS")).toBe("ENVIRONMENT");
    expect(defaultType("STYLES")).toBe("STYLE");
    expect(defaultType("MIXED")).toBe("CHARACTER");
  });
});
