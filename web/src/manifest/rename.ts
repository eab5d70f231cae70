// A renamed asset's descriptions still say its old name ("…reference for obama3"): the editor offers
// to say the new one there too. The old name counts where it stands as a word of its own.
const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const asWord = (name: string) => new RegExp(`(?<![\\p{L}\\p{N}_])${escaped(name)}(?![\\p{L}\\p{N}_])`, "giu");

/** Whether `text` says `name` as a word of its own (any case). */
export function says(text: string, name: string): boolean {
  return name.trim() !== "" && asWord(name.trim()).test(text);
}

/** `text` with each `old` name said as `next`. */
export function renamed(text: string, old: string, next: string): string {
  return old.trim() ? text.replace(asWord(old.trim()), () => next.trim()) : text;
}
