import type { Schemas } from "../api/client";
import type { Person } from "../manifest";

type Report = Schemas["ContinuityReport"];

const WORDS: Record<Schemas["ContinuityStatus"], string> = {
  ok: "cast as expected",
  missing: "a character is missing",
  unsure: "a face could not be told: an expected character is unconfirmed",
  unknown: "a face that is nobody in the cast",
  unexpected: "someone the scene did not ask for is there",
  drift: "a likeness drifts",
  no_faces: "no faces",
  pending: "being checked",
  error: "could not be checked",
};

/** A continuity report in a line: its status, then a chip per person (their face and name): who was
 * seen (with likeness), who is missing or unconfirmed, who was not asked for, and strangers.
 * `people`: the cast by handle (a snapshot's); without it a chip names the handle alone. */
export function ContinuityBadge({ report, people }: { report: Report | null | undefined; people?: Map<string, Person> }) {
  if (!report) return <span className="continuity none">not checked</span>;
  const chip = (handle: string, tone: string, before: string, after = "", title = handle) => {
    const person = people?.get(handle);
    return (
      <span key={`${tone}/${handle}`} className={`chip person ${tone}`} title={title}>
        {person?.face && <img className="avatar" src={person.face} alt="" />}
        {before}
        {person?.name ?? handle}
        {after && <small> {after}</small>}
      </span>
    );
  };
  return (
    <span className={`continuity ${report.status}`} data-status={report.status}>
      <strong>{report.status}</strong>: {WORDS[report.status]}
      {(report.characters ?? [])
        .filter((c) => c.expected) // the others are in `unexpected`
        .map((c) => chip(c.handle, "seen", "", `${Math.round(c.similarity * 100)}%`, `${c.handle} ${c.name}, ${c.frames_seen} frames`))}
      {(report.missing ?? []).map((h) => chip(h, "missing", "missing "))}
      {(report.unsure ?? []).map((h) => chip(h, "unsure", "unconfirmed ", "", `${h}: a face in the frame was too small, unsure or blurred to tell`))}
      {(report.unexpected ?? []).map((h) => chip(h, "unknown", "not asked for: ", "", `${h}: seen, but the scene did not ask for them`))}
      {(report.unknown_faces ?? 0) > 0 && <span className="chip unknown">{report.unknown_faces} unknown</span>}
      {report.error && <span className="error"> {report.error}</span>}
    </span>
  );
}
