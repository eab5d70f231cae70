import type { Schemas } from "../api/client";
import type { Person } from "../manifest";

/** The references a version was made with: a character by face and name, an object by its tag, each
 * with why it was chosen. */
export function MadeWith({ references, people }: { references: Schemas["VersionReference"][]; people?: Map<string, Person> }) {
  if (references.length === 0) return null;
  return (
    <p className="chips" aria-label="Made with">
      Made with:{" "}
      {references.map((r, n) => {
        const person = people?.get(r.handle);
        return (
          <span key={`${r.asset_id}-${n}`} className="chip person character" title={`${r.handle}: ${r.why}`}>
            {person?.face && <img className="avatar" src={person.face} alt="" />}
            {person?.name ?? r.handle} <small>{r.why}</small>
          </span>
        );
      })}
    </p>
  );
}
