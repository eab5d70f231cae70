import { useQuery } from "@tanstack/react-query";
import { problemOf } from "../api/answers";
import { useRules } from "../api/config";
import { progressQuery, useProcessMutation } from "./queries";
import { ErrorNote } from "../ui/ErrorNote";
import { MANIFEST_STATUS } from "../ui/words";

const money = (usd: number | undefined) => `$${(usd ?? 0).toFixed(4)}`;

/** `progress`'s steps in the order the run goes through them (the server's `steps`); any other last. */
export function inRunOrder<T>(progress: Record<string, T>, steps: readonly string[]): [string, T][] {
  const rank = (step: string) => (steps.includes(step) ? steps.indexOf(step) : steps.length);
  return Object.entries(progress).sort(([a], [b]) => rank(a) - rank(b));
}

/** Start a run and follow it, in a line: its status and a button; its steps (a bar per step with
 * counts, seconds and cost, read from the server, so a reload finds the run where it is) open while
 * it runs and wait behind "Run details" once it is done; an error says what failed. */
export function ProcessingPanel({ manifestId }: { manifestId: string }) {
  const { steps: order } = useRules();
  const { data: progress, error } = useQuery(progressQuery(manifestId));
  const start = useProcessMutation(manifestId);

  const status = progress?.status;
  const running = status === "PROCESSING";
  const steps = inRunOrder(progress?.progress ?? {}, order);
  const spent = steps.reduce((sum, [, s]) => sum + (s.cost ?? 0), 0);
  return (
    <section aria-label="Processing" className="processing">
      <p className="run-line">
        <span>
          Run: <strong data-testid="run-status">{status ? (MANIFEST_STATUS[status] ?? status) : "…"}</strong>
          {running && progress?.current_step && <> · now {progress.current_step}</>}
          {status === "READY" && steps.length > 0 && <> · cost {money(spent)}</>}
        </span>
        <button type="button" onClick={() => start.mutate()} disabled={running || start.isPending}>
          {status === "ERROR" || status === "READY" ? "Process again" : "Process"}
        </button>
      </p>
      {status === "ERROR" && progress?.error && (
        <p role="alert" className="error">
          The run failed: {progress.error}
        </p>
      )}
      <ErrorNote message={problemOf(start.error) ?? problemOf(error)} />
      {steps.length > 0 && (
        // Open while a run goes on (and when it failed); the steps of a finished run wait behind it.
        <details key={running || status === "ERROR" ? "open" : "shut"} open={running || status === "ERROR"} className="run-details">
          <summary>Run details</summary>
          <div className="table-wrap" tabIndex={0} role="region" aria-label="The run's steps">
            <table className="steps">
              <thead>
                <tr>
                  <th scope="col">Step</th>
                  <th scope="col">Progress</th>
                  <th scope="col">Seconds</th>
                  <th scope="col">Cost</th>
                </tr>
              </thead>
              <tbody>
                {steps.map(([name, s]) => (
                  <tr key={name}>
                    <th scope="row">{name}</th>
                    <td>
                      <progress max={Math.max(1, s.total ?? 0)} value={s.done ?? 0} aria-label={`${name} progress`} /> {s.done ?? 0}/{s.total ?? 0}
                      {(s.failed ?? 0) > 0 && <span className="error"> · {s.failed} failed</span>}
                    </td>
                    <td>{(s.seconds ?? 0).toFixed(1)}</td>
                    <td>{money(s.cost)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      )}
    </section>
  );
}
