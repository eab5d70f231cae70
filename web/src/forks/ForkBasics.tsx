import type { DraftProps } from "./parts";

/** The fork's prompt and style, and whether its keyframes are made again. */
export function ForkBasics({ draft, update }: DraftProps) {
  return (
    <div className="create">
      <label className="wide">
        Prompt
        <textarea rows={2} value={draft.prompt} onChange={(e) => update((d) => ({ ...d, prompt: e.target.value }))} />
      </label>
      <label>
        Style
        <input value={draft.style} onChange={(e) => update((d) => ({ ...d, style: e.target.value }))} />
      </label>
      <label className="check">
        <input type="checkbox" checked={draft.clearKeyframes} onChange={(e) => update((d) => ({ ...d, clearKeyframes: e.target.checked }))} /> Clear
        keyframes
      </label>
    </div>
  );
}
