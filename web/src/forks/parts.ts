// What every part of the fork panel is given: the draft, and a way to change it.
import type { ForkDraft } from "./forkRequest";

export interface DraftProps {
  draft: ForkDraft;
  update: (change: (draft: ForkDraft) => ForkDraft) => void;
}
