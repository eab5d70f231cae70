import { describe, expect, it } from "vitest";
import type { Schemas } from "../api/client";
import { withCropsUnderSources } from "./ManifestPage";

const asset = (id: string, source?: string) => ({ id, source_asset_id: source ?? null }) as Schemas["AssetOut"];

describe("withCropsUnderSources", () => {
  it("puts each crop right after its source, keeping the display order", () => {
    const order = withCropsUnderSources([asset("a"), asset("b"), asset("a1", "a"), asset("b1", "b"), asset("a2", "a")]);
    expect(order.map((o) => [o.asset.id, o.source?.id ?? null])).toEqual([
      ["a", null],
      ["a1", "a"],
      ["a2", "a"],
      ["b", null],
      ["b1", "b"],
    ]);
  });
  it("shows a crop whose source is elsewhere (another type, or gone) on its own", () => {
    expect(withCropsUnderSources([asset("c", "gone")]).map((o) => o.source)).toEqual([undefined]);
  });
});
