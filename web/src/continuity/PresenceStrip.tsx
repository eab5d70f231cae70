import type { Schemas } from "../api/client";

type Report = Schemas["ContinuityReport"];

export interface PresenceRow {
  id: string;
  label: string;
  expected: boolean;
  likeness: (number | null)[]; // per checked frame: the best likeness of a face resembling them, or none
}

/** Who is in each checked frame of a clip: a row per character seen (its likeness frame by frame,
 * dips included) and the frames with a face nobody of the cast could be. */
export function presence(report: Report): { rows: PresenceRow[]; strangers: boolean[] } {
  const frames = (report.frames_at_s ?? []).length;
  const faces = report.faces ?? [];
  const rows = (report.characters ?? []).map((c) => ({
    id: c.character_id,
    label: `${c.name} (${c.handle})`,
    expected: c.expected,
    likeness: Array.from({ length: frames }, (_, n) => {
      const theirs = faces.filter((f) => f.frame === n && f.character_id === c.character_id).map((f) => f.similarity);
      return theirs.length ? Math.max(...theirs) : null;
    }),
  }));
  const strangers = Array.from({ length: frames }, (_, n) => faces.some((f) => f.frame === n && f.identifiable && !f.character_id));
  return { rows, strangers };
}

const W = 600;
const ROW = 28;

/** A clip's presence strip; choosing a frame shows that moment of the clip (`onSeek`, in seconds). */
export function PresenceStrip({ report, onSeek }: { report: Report | null | undefined; onSeek: (seconds: number) => void }) {
  const times = report?.frames_at_s ?? [];
  if (!report || times.length < 2) return null;
  const { rows, strangers } = presence(report);
  const x = (n: number) => (n / (times.length - 1)) * (W - 20) + 10;
  const height = (rows.length + 1) * ROW;
  return (
    <figure className="presence" aria-label="Who is in the clip, frame by frame">
      <svg viewBox={`0 0 ${W} ${height}`} role="img" aria-label={rows.map((r) => r.label).join(", ") || "nobody of the cast"}>
        {rows.map((row, r) => {
          const top = r * ROW;
          const points = row.likeness.map((v, n) => (v === null ? null : `${x(n)},${top + ROW - 4 - v * (ROW - 8)}`));
          const runs: string[][] = [[]];
          points.forEach((p) => (p === null ? runs.push([]) : runs[runs.length - 1].push(p)));
          return (
            <g key={row.id} className={row.expected ? "asked" : "not-asked"}>
              <line x1={0} x2={W} y1={top + ROW} y2={top + ROW} className="rule" />
              {runs.filter((run) => run.length > 1).map((run, k) => <polyline key={k} points={run.join(" ")} className="likeness" />)}
              {points.map((p, n) => p && <circle key={n} cx={p.split(",")[0]} cy={p.split(",")[1]} r={3} className="likeness-dot" />)}
            </g>
          );
        })}
        {strangers.map((s, n) => s && <circle key={n} cx={x(n)} cy={rows.length * ROW + ROW / 2} r={5} className="stranger" />)}
      </svg>
      <figcaption>
        <span className="presence-legend">{[...rows.map((r) => r.label), "faces of nobody in the cast (red)"].join(" · ")}</span>
        <span className="presence-frames" role="group" aria-label="Show a checked frame">
          {times.map((t, n) => (
            <button key={n} type="button" onClick={() => onSeek(t)} title={frameWords(rows, strangers, n)} aria-label={`${t} s: ${frameWords(rows, strangers, n)}`}>
              {t} s
            </button>
          ))}
        </span>
      </figcaption>
    </figure>
  );
}

function frameWords(rows: PresenceRow[], strangers: boolean[], n: number): string {
  const seen = rows.filter((r) => r.likeness[n] !== null).map((r) => `${r.label} ${Math.round((r.likeness[n] ?? 0) * 100)}%`);
  if (strangers[n]) seen.push("a face of nobody in the cast");
  return seen.join(", ") || "no face";
}
