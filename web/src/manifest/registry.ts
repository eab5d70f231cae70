// A manifest's registry as a creator reads it: its cast first (a card per character, uploads first,
// what the run cut from each upload folded under it), then everyone and everything else by type.
// Plain functions over the manifest's answer; the page only draws them.
import type { Schemas } from "../api/client";
import { faceOf } from "./people";
import { ASSET_TYPES, type AssetType } from "./upload";

type Asset = Schemas["AssetOut"];
type Member = Schemas["CastMember"];

/** A character as its card shows it. */
export interface Character {
  member: Member;
  face?: string | null; // its primary face's thumbnail (a face crop: the card leads with the face itself)
  named?: Asset; // the upload that names it (its handle's asset): renaming it renames the character
  uploads: Asset[]; // in display order; their views are the character's other angles
  cuts: { source?: Asset; crops: Asset[] }[]; // what the run cut, under the photo it came from
}

/** An asset of the grid, with the photo it was cut from (if that is in the registry). */
export interface Tile {
  asset: Asset;
  source?: Asset;
  crowd?: boolean; // a face of one of the people of a group photo: not in the cast until made so
}

export type Section =
  | { kind: "cast"; title: string; characters: Character[] }
  | { kind: "tiles"; type: AssetType; title: string; tiles: Tile[] };

export const TITLES: Record<AssetType, string> = {
  CHARACTER: "Other people",
  OBJECT: "Objects",
  ENVIRONMENT: "Environments",
  STYLE: "Styles",
};

export interface Filter {
  text: string; // matched against names, tags, handles, descriptions and tags a creator gave
  type: AssetType | ""; // "" is every type
}

const extracted = (a: Asset) => a.source === "extracted";

// A whole tag (char_10: two digits or more) means that tag, not char_100; a shorter one (char_0,
// char_) is the start of tags, as a creator types one.
const WHOLE_TAG = /^[a-z]+_\d{2,}$/;

/** Whether a word is said anywhere in a text (a part of a name or handle too), or, a whole tag,
 * is one of `tags`. */
function says(text: string, tags: string[], word: string): boolean {
  return WHOLE_TAG.test(word) ? tags.some((t) => t.toLowerCase() === word) : text.includes(word);
}

/** Whether an asset answers a search (every word somewhere in what describes it). */
export function assetMatches(asset: Asset, words: string[]): boolean {
  const said = [asset.name, asset.manifest_tag, asset.description, asset.reverse_prompt, asset.visual_description, ...(asset.user_tags ?? [])]
    .filter(Boolean)
    .join(" ")
    .toLowerCase();
  return words.every((w) => says(said, [asset.manifest_tag], w));
}

const wordsOf = (text: string) => text.toLowerCase().split(/\s+/).filter(Boolean);

/** The sections a filter leaves, in reading order: the cast, then the types' grids. A character
 * stays whole when its name or handle, or any of its images, answers the search. */
export function sections(assets: Asset[], cast: Member[], filter: Filter = { text: "", type: "" }): Section[] {
  const words = wordsOf(filter.text);
  const byId = new Map(assets.map((a) => [a.id, a]));
  const wanted = (type: AssetType) => filter.type === "" || filter.type === type;
  const out: Section[] = [];

  const inCast = new Set<string>();
  const characters: Character[] = [];
  for (const member of cast) {
    const own = (member.asset_ids ?? []).map((id) => byId.get(id)).filter((a): a is Asset => Boolean(a));
    own.forEach((a) => inCast.add(a.id));
    const named = byId.get(member.named_asset_id); // the server's: the asset whose tag is the handle
    const said = `${member.name} ${member.handle}`.toLowerCase();
    if (words.length && !words.every((w) => says(said, [member.handle], w)) && !own.some((a) => assetMatches(a, words))) continue;
    characters.push(characterOf(member, own, named, byId));
  }
  if (wanted("CHARACTER") && characters.length) out.push({ kind: "cast", title: "Cast", characters });

  // The people of a group photo (a character the server keeps out of the cast): each is shown by
  // their face, under the photo; the figure cut around them is the same person, not shown again.
  const crowd = new Set(assets.filter((a) => a.is_face_crop && a.character_id && !inCast.has(a.id)).map((a) => a.character_id));
  const figureOfCrowd = (a: Asset) => extracted(a) && !a.is_face_crop && crowd.has(a.character_id);
  for (const type of ASSET_TYPES) {
    if (!wanted(type)) continue;
    const rest = assets.filter((a) => a.asset_type === type && !inCast.has(a.id) && !figureOfCrowd(a) && (!words.length || assetMatches(a, words)));
    const tiles = withCropsUnderSources(rest, byId).map((t) => (t.asset.is_face_crop && crowd.has(t.asset.character_id) ? { ...t, crowd: true } : t));
    // People are "other" people only beside a cast (before a run, every uploaded person is here).
    const title = type === "CHARACTER" && cast.length === 0 ? "People" : TITLES[type];
    if (tiles.length) out.push({ kind: "tiles", type, title, tiles });
  }
  return out;
}

function characterOf(member: Member, own: Asset[], named: Asset | undefined, byId: Map<string, Asset>): Character {
  const uploads = own.filter((a) => !extracted(a));
  const cuts = new Map<string, Asset[]>();
  for (const crop of own.filter(extracted)) {
    const from = crop.source_asset_id ?? "";
    cuts.set(from, [...(cuts.get(from) ?? []), crop]);
  }
  return {
    member,
    face: faceOf(member, byId),
    named,
    uploads,
    cuts: [...cuts].map(([from, crops]) => ({ source: byId.get(from), crops })),
  };
}

/** Sources first in their display order, each followed by the crops cut from it. */
export function withCropsUnderSources(assets: Asset[], all: Map<string, Asset> = new Map(assets.map((a) => [a.id, a]))): Tile[] {
  const here = new Set(assets.map((a) => a.id));
  const children = new Map<string, Asset[]>();
  const roots: Asset[] = [];
  for (const a of assets) {
    if (a.source_asset_id && here.has(a.source_asset_id)) children.set(a.source_asset_id, [...(children.get(a.source_asset_id) ?? []), a]);
    else roots.push(a);
  }
  const sourceOf = (a: Asset) => (a.source_asset_id ? all.get(a.source_asset_id) : undefined);
  return roots.flatMap((root) => [{ asset: root, source: sourceOf(root) }, ...(children.get(root.id) ?? []).map((c) => ({ asset: c, source: root }))]);
}

/** Where a photo's thumbnail keeps a face in view when it fills a square: the CSS object-position
 * of the face's centre (the face box the run found, in the photo's pixels). */
export function facePosition(photo: Asset, faces: Asset[]): string | undefined {
  const face = faces.find((f) => f.is_face_crop && f.source_asset_id === photo.id && f.crop_bbox?.length === 4);
  const [w, h] = [photo.image_width ?? 0, photo.image_height ?? 0];
  if (!face?.crop_bbox || !w || !h) return undefined;
  const [x1, y1, x2, y2] = face.crop_bbox;
  const percent = (v: number) => `${Math.round(Math.min(100, Math.max(0, v * 100)))}%`;
  return `${percent((x1 + x2) / 2 / w)} ${percent((y1 + y2) / 2 / h)}`;
}

/** How many images a character has, in words: "2 photos · 3 cut by the run · 1 angle". */
export function characterCounts(c: Character): string {
  const angles = c.uploads.reduce((n, a) => n + (a.views?.length ?? 0), 0);
  const cut = c.cuts.reduce((n, g) => n + g.crops.length, 0);
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  return [plural(c.uploads.length, "photo", "photos"), cut ? `${cut} cut by the run` : "", angles ? plural(angles, "angle", "angles") : ""]
    .filter(Boolean)
    .join(" · ");
}
