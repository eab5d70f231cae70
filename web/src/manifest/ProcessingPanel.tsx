import { useCallback, useEffect, useRef, useState } from "react";
import { api, type Schemas } from "../api/client";
import { errorMessage } from "../api/errors";
import { useServer } from "./useServer";
import { ErrorNote } from "../ui/ErrorNote";

type Progress = Schemas["ProgressOut"];

// The run's steps in the order they happen (docs/processing.md); any other step goes last.
const STEP_ORDER = ["detection", "faces", "reverse_prompting", "tags", "contact_sheet"];
const rank = (step: string) => (STEP_ORDER.indexOf(step) + STEP_ORDER.length + 1) % (STEP_ORDER.length + 1);

const money = (usd: number | undefined) => `$${(usd ?? 0).toFixed(4)}`;

/** Start a run and follow it: a bar per step with counts, seconds and cost, read from the server
 * (so a reload finds the run where it is); an error says what failed and offers to run again. */
export function ProcessingPanel({
  manifestId,
  onFinished,
  onStatus,
}: {
  manifestId: string;
  onFinished: () => void;
  onStatus?: (status: Schemas["ManifestStatus"]) => void;
}) {
  const read = useCallback(async () => {
    const { data, error, response } = await api.GET("/api/manifests/{manifest_id}/progress", {
      params: { path: { manifest_id: manifestId } },
    });
    return data ? { data } : { message: errorMessage(error, response.status) };
  }, [manifestId]);
  const { data: progress, error, reload } = useServer<Progress>(read, (p) => p.status === "PROCESSING");
  const [problem, setProblem] = useState<string | null>(null);
  const previous = useRef<string | null>(null);

  useEffect(() => {
    if (progress) onStatus?.(progress.status);
  }, [progress, onStatus]);

  useEffect(() => {
    if (previous.current === "PROCESSING" && progress && progress.status !== "PROCESSING") onFinished();
    previous.current = progress?.status ?? null;
  }, [progress, onFinished]);

  async function start() {
    const { error: body, response } = await api.POST("/api/manifests/{manifest_id}/process", {
      params: { path: { manifest_id: manifestId } },
    });
    setProblem(response.ok ? null : errorMessage(body, response.status));
    await reload();
    onFinished();
  }

  const running = progress?.status === "PROCESSING";
  const steps = Object.entries(progress?.progress ?? {}).sort(([a], [b]) => rank(a) - rank(b));
  return (
    <section aria-label="Processing" className="processing">
      <h2>Processing</h2>
      <p>
        Status: <strong data-testid="run-status">{progress?.status ?? "…"}</strong>
        {running && progress?.current_step && <> · now: {progress.current_step}</>}
      </p>
      {steps.length > 0 && (
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
      )}
      {progress?.status === "ERROR" && progress.error && (
        <p role="alert" className="error">
          The run failed: {progress.error}
        </p>
      )}
      <ErrorNote message={problem ?? error} />
      <button type="button" onClick={start} disabled={running}>
        {progress?.status === "ERROR" || progress?.status === "READY" ? "Process again" : "Process"}
      </button>
    </section>
  );
}
