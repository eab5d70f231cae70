import type { Schemas } from "../api/client";
import type { Person } from "../manifest";

/** The manifest as it was when the project started: its name, version, contact sheet and cast. */
export function SnapshotSection({ snapshot, people }: { snapshot: Schemas["SnapshotOut"]; people: Map<string, Person> }) {
  return (
    <section aria-label="Snapshot">
      <h2>The manifest as it was</h2>
      <p className="meta">
        {snapshot.manifest.name} · version {snapshot.manifest_version} · {snapshot.assets.length} assets
        {snapshot.contact_sheet_url && (
          <>
            {" "}
            · <a href={snapshot.contact_sheet_url} target="_blank" rel="noreferrer">
              Contact sheet
            </a>
          </>
        )}
      </p>
      <ul className="cast-row" aria-label="Cast as it was">
        {(snapshot.cast ?? []).map((member) => {
          const face = people.get(member.handle)?.face;
          return (
            <li key={member.character_id}>
              {face && <img className="face" src={face} alt={member.name} />}
              <span>
                {member.handle} · {member.name}
              </span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
