import { type FormEvent, useEffect, useState } from "react";
import { useNavigate } from "react-router";
import { api, type Manifest } from "../api/client";
import { errorMessage } from "../api/errors";
import { ErrorNote } from "../ui/ErrorNote";

/** Start a project, on a READY manifest of the caller's (an immutable snapshot of it) or none. */
export function GenerateForm() {
  const [prompt, setPrompt] = useState("");
  const [style, setStyle] = useState("");
  const [manifestId, setManifestId] = useState("");
  const [ready, setReady] = useState<Manifest[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const navigate = useNavigate();

  useEffect(() => {
    void api.GET("/api/manifests", { params: { query: { status: "READY", sort: "name", limit: 100 } } }).then(({ data }) => setReady(data ?? []));
  }, []);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    const { data, error, response } = await api.POST("/api/generate", {
      body: { prompt, ...(style.trim() ? { style } : {}), ...(manifestId ? { manifest_id: manifestId } : {}) },
    });
    setBusy(false);
    if (!data) return setProblem(errorMessage(error, response.status));
    navigate(`/projects/${data.project_id}`);
  }

  return (
    <form className="create generate" onSubmit={submit} aria-label="New project">
      <label className="wide">
        Prompt
        <textarea value={prompt} onChange={(e) => setPrompt(e.target.value)} required rows={2} />
      </label>
      <label>
        Style
        <input value={style} onChange={(e) => setStyle(e.target.value)} maxLength={2000} />
      </label>
      <label>
        Manifest
        <select value={manifestId} onChange={(e) => setManifestId(e.target.value)}>
          <option value="">None</option>
          {ready.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name} · v{m.version} · {m.asset_count} assets
            </option>
          ))}
        </select>
      </label>
      <button type="submit" disabled={busy}>
        Generate
      </button>
      <ErrorNote message={problem} />
    </form>
  );
}
