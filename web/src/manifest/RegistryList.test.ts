import { describe, expect, it } from "vitest";
import type { Schemas } from "../api/client";
import { columnsFor, registryRows } from "./RegistryList";
import { characterCounts, facePosition, sections, withCropsUnderSources } from "./registry";

type Asset = Schemas["AssetOut"];
const asset = (id: string, more: Partial<Asset> = {}) =>
  ({ id, name: id, manifest_tag: id.toUpperCase(), asset_type: "CHARACTER", source_asset_id: null, ...more }) as Asset;
const member = (id: string, handle: string, asset_ids: string[], primary = asset_ids[0]) =>
  ({ character_id: id, handle, name: `name of ${id}`, named_asset_id: asset_ids[0], primary_face_asset_id: primary, best_reference_asset_id: asset_ids[0], asset_ids }) as Schemas["CastMember"];

// Two people: obama (an upload, its face and a figure cut from it), biden (an upload, its face);
// a lamp, a room, and a photo the run could make nobody of.
const obama = asset("obama", { manifest_tag: "CHAR_01", image_width: 400, image_height: 800, reverse_prompt: "a tall man in a dark suit" });
const obamaFace = asset("obama-face", { source: "extracted", is_face_crop: true, source_asset_id: "obama", crop_bbox: [100, 80, 300, 240], thumbnail_url: "/obama-face.jpg" });
const obamaFigure = asset("obama-figure", { source: "extracted", source_asset_id: "obama" });
const biden = asset("biden", { manifest_tag: "CHAR_02" });
const bidenFace = asset("biden-face", { source: "extracted", is_face_crop: true, source_asset_id: "biden" });
const crowd = asset("crowd");
const crowdFace = asset("crowd-face", { source: "extracted", is_face_crop: true, source_asset_id: "crowd" });
const lamp = asset("lamp", { asset_type: "OBJECT", user_tags: ["brass"] });
const room = asset("room", { asset_type: "ENVIRONMENT" });
const assets = [obama, obamaFace, obamaFigure, biden, bidenFace, crowd, crowdFace, lamp, room];
const cast = [member("obama-face", "CHAR_01", ["obama", "obama-face", "obama-figure"], "obama-face"), member("biden-face", "CHAR_02", ["biden", "biden-face"], "biden-face")];

const outline = (found: ReturnType<typeof sections>) =>
  found.map((s) => `${s.title}: ${s.kind === "cast" ? s.characters.map((c) => c.member.handle).join(" ") : s.tiles.map((t) => t.asset.id).join(" ")}`);

describe("sections", () => {
  it("leads with the cast, then the rest by type, each asset in one place only", () => {
    expect(outline(sections(assets, cast))).toEqual(["Cast: CHAR_01 CHAR_02", "Other people: crowd crowd-face", "Objects: lamp", "Environments: room"]);
  });
  it("shows the people of a group photo by their faces under it, once each, ready to join the cast", () => {
    const faces = ["s1", "s2", "s3"].map((id, n) =>
      asset(id, { source: "extracted", is_face_crop: true, source_asset_id: "solvay", character_id: id, crop_bbox: [n * 100, 0, n * 100 + 40, 50] }),
    );
    const figure = asset("s1-figure", { source: "extracted", source_asset_id: "solvay", character_id: "s1" }); // s1 again
    const found = sections([asset("solvay"), ...faces, figure], []);
    expect(outline(found)).toEqual(["People: solvay s1 s2 s3"]);
    const tiles = (found[0] as Extract<ReturnType<typeof sections>[number], { kind: "tiles" }>).tiles;
    expect(tiles.map((t) => Boolean(t.crowd))).toEqual([false, true, true, true]);
  });
  it("gives each character its face, the upload that names it, its photos and what was cut from each", () => {
    const [first] = (sections(assets, cast)[0] as Extract<ReturnType<typeof sections>[number], { kind: "cast" }>).characters;
    expect(first.face).toBe("/obama-face.jpg");
    expect(first.named?.id).toBe("obama");
    expect(first.uploads.map((a) => a.id)).toEqual(["obama"]);
    expect(first.cuts.map((g) => [g.source?.id, g.crops.map((c) => c.id)])).toEqual([["obama", ["obama-face", "obama-figure"]]]);
    expect(characterCounts(first)).toBe("1 photo · 2 cut by the run");
  });
  it.each([
    ["name of biden", ["Cast: CHAR_02"]], // a character's name
    ["char_01", ["Cast: CHAR_01"]], // its handle
    ["dark suit", ["Cast: CHAR_01"]], // what one of its images says
    ["brass", ["Objects: lamp"]], // a tag a creator gave
    ["nothing like this", []],
    ["char_0", ["Cast: CHAR_01 CHAR_02"]], // the start of a tag, as one is typed
    ["char_1", []], // CHAR_1… is no handle here
    ["bide", ["Cast: CHAR_02"]], // a part of a name
    ["man", ["Cast: CHAR_01"]], // a word inside a description
  ])("keeps what a search for %j names", (text, expected) => {
    expect(outline(sections(assets, cast, { text, type: "" }))).toEqual(expected);
  });
  it("shows one type when asked (people: the cast and the others)", () => {
    expect(outline(sections(assets, cast, { text: "", type: "OBJECT" }))).toEqual(["Objects: lamp"]);
    expect(outline(sections(assets, cast, { text: "", type: "CHARACTER" })).length).toBe(2);
  });
  it("calls the uploaded people just people while there is no cast", () => {
    expect(outline(sections([obama, biden], []))).toEqual(["People: obama biden"]);
    expect(outline(sections(assets, cast, { text: "crowd", type: "" }))).toEqual(["Other people: crowd crowd-face"]); // a cast, filtered away
  });
  it("has no sections for an empty registry", () => {
    expect(sections([], [])).toEqual([]);
  });
});

describe("withCropsUnderSources", () => {
  it("puts each crop right after its source, keeping the display order", () => {
    const a = asset("a"), b = asset("b");
    const order = withCropsUnderSources([a, b, asset("a1", { source_asset_id: "a" }), asset("b1", { source_asset_id: "b" }), asset("a2", { source_asset_id: "a" })]);
    expect(order.map((o) => [o.asset.id, o.source?.id ?? null])).toEqual([["a", null], ["a1", "a"], ["a2", "a"], ["b", null], ["b1", "b"]]);
  });
  it("names a crop's source even when the source is shown elsewhere (in the cast)", () => {
    const all = new Map([["src", asset("src")]]);
    expect(withCropsUnderSources([asset("c", { source_asset_id: "src" })], all).map((o) => o.source?.id)).toEqual(["src"]);
  });
});

describe("facePosition", () => {
  it("centres the square on the face the run found", () => {
    expect(facePosition(obama, [obamaFace])).toBe("50% 20%"); // face centre (200, 160) of 400 x 800
  });
  it("leaves the thumbnail as it is without a face box or the photo's size", () => {
    expect(facePosition(biden, [bidenFace])).toBeUndefined();
    expect(facePosition(obama, [obamaFigure])).toBeUndefined();
  });
});

describe("registryRows", () => {
  it("gives each section a heading and its cards so many to a row", () => {
    const rows = registryRows(sections(assets, cast), { characters: 1, tiles: 3 });
    expect(rows.map((r) => (r.kind === "heading" ? `${r.title}:${r.count}` : r.kind === "characters" ? r.items.map((c) => c.member.handle).join(",") : r.items.map((t) => t.asset.id).join(",")))).toEqual([
      "Cast:2",
      "CHAR_01",
      "CHAR_02",
      "Other people:2",
      "crowd,crowd-face",
      "Objects:1",
      "lamp",
      "Environments:1",
      "room",
    ]);
  });
  it("fits the columns to the width, one at least", () => {
    expect(columnsFor(1200)).toEqual({ characters: 3, tiles: 7 });
    expect(columnsFor(358)).toEqual({ characters: 1, tiles: 2 });
    expect(columnsFor(100)).toEqual({ characters: 1, tiles: 1 });
  });
});
