// Naming a character in a prompt: "@Ob" offers the manifest's cast members whose name or handle
// starts so, and picking one writes how the server's reference pack reads a name (common/projects/
// references.py: a tag like CHAR_01, or @Name as the cast spells it, "@Joe Biden" too, where no one
// else in the cast has that name).
import type { Schemas } from "../api/client";

type Member = Schemas["CastMember"];

// Python's \w is Unicode's letters, digits and _ (JavaScript's \w is ASCII only): "Zoë", "李".
const WORD = "\\p{L}\\p{N}\\p{M}_";
const TYPING = new RegExp(`(?:^|[^${WORD}@])@([${WORD}-]*)$`, "u");
const ONE_WORD = new RegExp(`^[\\p{L}\\p{M}][${WORD}-]*$`, "u");
const LETTER_FIRST = /^[\p{L}\p{M}]/u;

/** The "@…" being typed just before the caret: where it starts and what follows the @. */
export function mentionAt(text: string, caret: number): { start: number; query: string } | null {
  const found = TYPING.exec(text.slice(0, caret));
  if (!found) return null;
  return { start: caret - found[1].length - 1, query: found[1] };
}

/** The keys the server finds a name under: the name, and the name without its spaces, casefolded
 * (lower-cased here: the same for every name but a few like "Straße"). */
const keysOf = (name: string) => {
  const spoken = name.trim().split(/\s+/).join(" ").toLowerCase();
  return new Set([spoken, spoken.replaceAll(" ", "")]);
};

/** How a prompt names this member so the server finds them: @Name as the cast spells it (a name of
 * several words too: the server reads "@Joe Biden" whole) when that names only them, else their
 * handle (which always does). */
export function mentionOf(member: Member, cast: Member[]): string {
  const words = member.name.trim().split(/\s+/);
  const spoken = words.join(" ");
  const named = cast.filter((m) => keysOf(m.name).has(spoken.toLowerCase()));
  const readable = words.length > 1 ? LETTER_FIRST.test(spoken) : ONE_WORD.test(spoken);
  return readable && named.length === 1 ? `@${spoken}` : member.handle;
}

/** The cast members a query may mean, names starting so first, then handles; at most `limit`. */
export function candidates(cast: Member[], query: string, limit = 6): Member[] {
  const q = query.toLowerCase();
  const byName = cast.filter((m) => m.name.toLowerCase().startsWith(q));
  const byHandle = cast.filter((m) => !byName.includes(m) && m.handle.toLowerCase().startsWith(q));
  const inside = cast.filter((m) => !byName.includes(m) && !byHandle.includes(m) && q && m.name.toLowerCase().includes(q));
  return [...byName, ...byHandle, ...inside].slice(0, limit);
}

/** The text with the mention being typed replaced by `mention` and a space, and the caret after it. */
export function insertMention(text: string, at: { start: number; query: string }, mention: string): { text: string; caret: number } {
  const end = at.start + 1 + at.query.length;
  const rest = text.slice(end);
  const spaced = rest.startsWith(" ") ? mention : `${mention} `;
  return { text: text.slice(0, at.start) + spaced + rest, caret: at.start + spaced.length + (rest.startsWith(" ") ? 1 : 0) };
}
