import { describe, expect, it } from "vitest";
import { SERVED_RULES } from "../api/config.fixture";
import { assetNameFromFile, defaultType, inParallel, refusedHere } from "./upload";

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
  it("follows the manifest's category, as the server's rules map it", () => {
    expect(defaultType(SERVED_RULES, "CHARACTERS")).toBe("CHARACTER");
    expect(defaultType(SERVED_RULES, "OBJECTS")).toBe("OBJECT");
    expect(defaultType(SERVED_RULES, "ENVIRONMENTS")).toBe("ENVIRONMENT");
    expect(defaultType(SERVED_RULES, "STYLES")).toBe("STYLE");
    expect(defaultType(SERVED_RULES, "MIXED")).toBe("CHARACTER");
  });
  it("reads the mapping from the rules it is given, not from a copy of its own", () => {
    const rules = { ...SERVED_RULES, category_asset_types: { ...SERVED_RULES.category_asset_types, MIXED: "STYLE" as const } };
    expect(defaultType(rules, "MIXED")).toBe("STYLE");
    expect(defaultType({ ...SERVED_RULES, category_asset_types: {} }, "OBJECTS")).toBe("CHARACTER");
  });
});

describe("inParallel", () => {
  it("works on every item, never more than `parallel` at once, started in order", async () => {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    await inParallel([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      started.push(n);
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, n % 2 ? 5 : 1));
      running -= 1;
    });
    expect(started).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(3);
    await inParallel([], 3, async () => expect.unreachable());
  });
});

describe("refusedHere", () => {
  const types = SERVED_RULES.image_types;
  it("refuses a file of a kind the service does not take before anything is written", async () => {
    expect(await refusedHere(new File(["notes"], "notes.txt", { type: "text/plain" }), types)).toBe("this file is not a photo (JPEG, PNG or WebP)");
    // Its bytes are the browser's to decode where it can (jsdom cannot: the server judges them).
    expect(await refusedHere(new File(["x"], "a.jpg", { type: "image/jpeg" }), types)).toBeNull();
  });
});
