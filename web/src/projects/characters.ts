// Which characters a scene names: its scene manifest's tags, resolved through the project's snapshot
// (a tag of any asset of a character, upload, crop or face, is that character).
import type { Schemas } from "../api/client";

export interface Chip {
  key: string;
  label: string;
  character: boolean;
  face?: string | null; // the character's face (its primary face crop), small
}

/** A cast member as a chip shows them: their face and their name. */
export interface Person {
  name: string;
  face?: string | null;
}

/** Each character of a snapshot by handle (the way reports name them): name and face. */
export function peopleByHandle(snapshot: Schemas["SnapshotOut"] | null | undefined): Map<string, Person> {
  const byId = new Map((snapshot?.assets ?? []).map((a) => [a.id, a]));
  return new Map((snapshot?.cast ?? []).map((c) => [c.handle, { name: c.name, face: faceOf(c, byId) }]));
}

/** A character's face: its primary face crop's thumbnail, else its best reference's. */
export function faceOf(member: Schemas["CastMember"], byId: Map<string, { thumbnail_url?: string | null }>): string | null {
  return byId.get(member.primary_face_asset_id)?.thumbnail_url ?? byId.get(member.best_reference_asset_id)?.thumbnail_url ?? null;
}

export function sceneChips(tags: string[], snapshot: Schemas["SnapshotOut"] | null): Chip[] {
  const byTag = new Map((snapshot?.assets ?? []).map((a) => [a.manifest_tag, a]));
  const byCharacter = new Map((snapshot?.cast ?? []).map((c) => [c.character_id, c]));
  const byId = new Map((snapshot?.assets ?? []).map((a) => [a.id, a]));
  const seen = new Set<string>();
  const chips: Chip[] = [];
  for (const tag of tags) {
    const characterId = byTag.get(tag)?.character_id;
    const member = characterId ? byCharacter.get(characterId) : undefined;
    const key = member ? member.character_id : tag;
    if (seen.has(key)) continue;
    seen.add(key);
    const face = member ? faceOf(member, byId) : null;
    chips.push(member ? { key, label: `${member.handle} · ${member.name}`, character: true, face } : { key, label: tag, character: false });
  }
  return chips;
}
