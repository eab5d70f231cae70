// What a project is called: the title its storyboard gave it (short), or the creator's; until it
// has one, the start of its prompt, never the whole prompt.
import type { Schemas } from "../api/client";

const WORDS = 6;

export function projectTitle(project: Pick<Schemas["ProjectOut"], "title" | "prompt">): string {
  if (project.title) return project.title;
  const words = project.prompt.trim().split(/\s+/);
  return words.length > WORDS ? `${words.slice(0, WORDS).join(" ")}…` : words.join(" ");
}
