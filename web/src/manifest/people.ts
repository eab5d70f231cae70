// A manifest's cast as people: each character by the handle reports name them, with a name and a
// face. Projects, checkpoints and continuity reports all show people this way.
import type { Schemas } from "../api/client";

/** A cast member as a chip shows them: their face and their name. */
export interface Person {
  name: string;
  face?: string | null;
}

/** A character's face: its primary face crop's thumbnail, else its best reference's. */
export function faceOf(member: Schemas["CastMember"], byId: Map<string, { thumbnail_url?: string | null }>): string | null {
  return byId.get(member.primary_face_asset_id)?.thumbnail_url ?? byId.get(member.best_reference_asset_id)?.thumbnail_url ?? null;
}

/** Each character of a snapshot by handle (the way reports name them): name and face. */
export function peopleByHandle(snapshot: Schemas["SnapshotOut"] | null | undefined): Map<string, Person> {
  const byId = new Map((snapshot?.assets ?? []).map((a) => [a.id, a]));
  return new Map((snapshot?.cast ?? []).map((c) => [c.handle, { name: c.name, face: faceOf(c, byId) }]));
}
