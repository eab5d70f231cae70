import type { Schemas } from "../api/client";

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

/** A continuity report in a line: its status, who was seen (with likeness), who is missing, strangers. */
export function ContinuityBadge({ report }: { report: Report | null | undefined }) {
  if (!report) return <span className="continuity none">not checked</span>;
  return (
    <span className={`continuity ${report.status}`} data-status={report.status}>
      <strong>{report.status}</strong>: {WORDS[report.status]}
      {(report.characters ?? []).map((c) => (
        <span key={c.character_id} className="chip" title={`${c.name}, ${c.frames_seen} frames`}>
          {c.handle} {Math.round(c.similarity * 100)}%
        </span>
      ))}
      {(report.missing ?? []).map((h) => (
        <span key={h} className="chip missing">
          missing {h}
        </span>
      ))}
      {(report.unsure ?? []).map((h) => (
        <span key={h} className="chip unsure" title="a face in the frame was too small, unsure or blurred to tell">
          unconfirmed {h}
        </span>
      ))}
      {(report.unexpected ?? []).map((h) => (
        <span key={h} className="chip unknown" title="seen, but the scene did not ask for them">
          unexpected {h}
        </span>
      ))}
      {(report.unknown_faces ?? 0) > 0 && <span className="chip unknown">{report.unknown_faces} unknown</span>}
      {report.error && <span className="error"> {report.error}</span>}
    </span>
  );
}
