import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { must, problemOf } from "../api/answers";
import { api } from "../api/client";
import { useRules } from "../api/config";
import { keys } from "../api/keys";
import { progressQuery } from "./queries";
import { ErrorNote } from "../ui/ErrorNote";

const money = (usd: number | undefined) => `$${(usd ?? 0).toFixed(4)}`;

/** `progress`'s steps in the order the run goes through them (the server's `steps`); any other last. */
export function inRunOrder<T>(progress: Record<string, T>, steps: readonly string[]): [string, T][] {
  const rank = (step: string) => (steps.includes(step) ? steps.indexOf(step) : steps.length);
  return Object.entries(progress).sort(([a], [b]) => rank(a) - rank(b));
}

/** Start a run and follow it: a bar per step with counts, seconds and cost, read from the server
 * (so a reload finds the run where it is) while it runs; an error says what failed and offers to
 * run again. */
export function ProcessingPanel({ manifestId }: { manifestId: string }) {
  const { steps: order } = useRules();
  const client = useQueryClient();
  const { data: progress, error } = useQuery(progressQuery(manifestId));
  const start = useMutation({
    mutationFn: () => must(api.POST("/api/manifests/{manifest_id}/process", { params: { path: { manifest_id: manifestId } } })),
    // Started or refused, the manifest and its progress are read again (its status, the run's steps).
    onSettled: () => client.invalidateQueries({ queryKey: keys.manifest(manifestId) }),
  });

  const running = progress?.status === "PROCESSING";
  const steps = inRunOrder(progress?.progress ?? {}, order);
  return (
    <section aria-label="Processing" className="processing">
      <h2>Processing</h2>
      <p>
        Status: <strong data-testid="run-status">{progress?.status ?? "…"}</strong>
        {running && progress?.current_step && <> · now: {progress.current_step}</>}
      </p>
      {steps.length > 0 && (
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
                  <progress max={Math.max(1, s.total ?? 0)} value={s.done ?? 0} aria-label={`${name} progress`} />{" "}
                  {s.done ?? 0}/{s.total ?? 0}
                  {(s.failed ?? 0) > 0 && <span className="error"> · {s.failed} failed</span>}
                </td>
                <td>{(s.seconds ?? 0).toFixed(1)}</td>
                <td>{money(s.cost)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      )}
      {progress?.status === "ERROR" && progress.error && (
        <p role="alert" className="error">
          The run failed: {progress.error}
        </p>
      )}
      <ErrorNote message={problemOf(start.error) ?? problemOf(error)} />
      <button type="button" onClick={() => start.mutate()} disabled={running || start.isPending}>
        {progress?.status === "ERROR" || progress?.status === "READY" ? "Process again" : "Process"}
      </button>
    </section>
  );
}
