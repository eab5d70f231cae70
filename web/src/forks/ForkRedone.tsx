import type { Schemas } from "../api/client";
import type { Person } from "../manifest";
import { counted } from "../ui/words";
import { previewSentence } from "./forkRequest";

/** What the fork would keep and make again, and for each scene made again why: the character
 * removed or edited, by face and name, or what else changes it. */
export function ForkRedone({ preview, people }: { preview: Schemas["ForkPreview"] | undefined; people: Map<string, Person> }) {
  return (
    <div aria-live="polite" data-testid="fork-preview" className="preview">
      {preview && <p>{previewSentence(preview)}</p>}
      {preview?.redone && preview.redone.length > 0 && (
        <ul className="redone" aria-label="Scenes made again">
          {preview.redone.map((r) => (
            <li key={r.index}>
              <strong>Scene {counted(r.index)}</strong>{" "}
              {(r.tags ?? []).map((tag) => {
                const face = people.get(tag)?.face;
                return face ? <img key={tag} className="avatar" src={face} alt="" /> : null;
              })}
              {r.because.join("; ")}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
