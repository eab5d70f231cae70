import type { Schemas } from "../api/client";
import { counted } from "../ui/words";
import { withScene } from "./draft";
import type { DraftProps } from "./parts";

/** Each scene of the parent: its storyboard, edited, or the scene deleted. */
export function ForkScenes({ scenes, draft, update }: DraftProps & { scenes: Schemas["Scene"][] }) {
  return (
    <>
      <h3>Scenes</h3>
      {scenes.map((s) => (
        <div key={s.index} className="fork-scene">
          <label>
            Scene {counted(s.index)} storyboard
            <textarea rows={2} value={draft.scenes[s.index]?.text ?? ""} onChange={(e) => update((d) => withScene(d, s.index, { text: e.target.value }))} />
          </label>
          <label className="check">
            <input
              type="checkbox"
              checked={draft.scenes[s.index]?.deleted ?? false}
              onChange={(e) => update((d) => withScene(d, s.index, { deleted: e.target.checked }))}
            />{" "}
            Delete scene {counted(s.index)}
          </label>
        </div>
      ))}
    </>
  );
}
