import { describe, expect, it } from "vitest";
import type { Schemas } from "../api/client";
import { registryRows, withCropsUnderSources } from "./RegistryList";

const asset = (id: string, source?: string, asset_type: Schemas["AssetType"] = "CHARACTER") =>
  ({ id, source_asset_id: source ?? null, asset_type }) as Schemas["AssetOut"];

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

describe("registryRows", () => {
  it("gives each type a heading and its cards a row of `columns`", () => {
    const assets = [asset("a"), asset("b"), asset("c"), asset("o", undefined, "OBJECT")];
    const rows = registryRows(assets, 2);
    expect(rows.map((r) => (r.kind === "heading" ? `${r.type}:${r.count}` : r.items.map((i) => i.asset.id).join("")))).toEqual([
      "CHARACTER:3",
      "ab",
      "c",
      "OBJECT:1",
      "o",
    ]);
  });
  it("has no rows for an empty registry", () => {
    expect(registryRows([], 3)).toEqual([]);
  });
});
