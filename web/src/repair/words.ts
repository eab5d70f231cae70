// How a repair reads to a person: each attempt in a line, and its outcome. Which reports a repair
// acts on is the server's rule (its config's repairable_statuses).
import type { Schemas } from "../api/client";

export function attemptLine(a: Schemas["RepairAttempt"]): string {
  const problems = [
    ...(a.missing ?? []).map((h) => `missing ${h}`),
    ...(a.unsure ?? []).map((h) => `unconfirmed ${h}`),
    ...(a.unexpected ?? []).map((h) => `unexpected ${h}`),
    ...((a.unknown_faces ?? 0) > 0 ? [`${a.unknown_faces} unknown face${a.unknown_faces === 1 ? "" : "s"}`] : []),
  ];
  const made = (a.references ?? []).length ? ` with ${(a.references ?? []).join(", ")}` : "";
  return `Attempt ${a.attempt}: v${a.version} ${a.status}${problems.length ? ` (${problems.join(", ")})` : ""}${made}`;
}

export function outcomeLine(r: Schemas["RepairResult"]): string {
  const tries = `${r.attempts} attempt${r.attempts === 1 ? "" : "s"}`;
  return r.repaired
    ? `Repaired: v${r.best_version} is ${r.outcome} after ${tries}.`
    : `Not repaired after ${tries}: the best is v${r.best_version} (${r.outcome}). Every attempt is kept as a version.`;
}
