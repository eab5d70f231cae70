// Which characters a scene names: its scene manifest's tags, resolved through the project's snapshot
// (a tag of any asset of a character, upload, crop or face, is that character).
import type { Schemas } from "../api/client";
import { faceOf } from "../manifest";

export interface Chip {
  key: string;
  label: string;
  character: boolean;
  face?: string | null; // the character's face (its primary face crop), small
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
