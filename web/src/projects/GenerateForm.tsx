import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useNavigate } from "react-router";
import { problemOf } from "../api/answers";
import { manifestListQuery } from "../library";
import { manifestQuery } from "../manifest";
import { PromptField } from "./PromptField";
import { useGenerateMutation } from "./queries";
import { ErrorNote } from "../ui/ErrorNote";

/** Start a project, on a READY manifest of the caller's (an immutable snapshot of it) or none. */
export function GenerateForm() {
  const [prompt, setPrompt] = useState("");
  const [style, setStyle] = useState("");
  const [chosen, setManifestId] = useState<string | null>(null); // null: nothing chosen yet
  const { data: ready = [] } = useQuery(manifestListQuery({ status: "READY", sort: "name", limit: 100 }));
  // Until one is chosen, the READY manifest used most recently (or, never used, changed most recently).
  const recent = (m: (typeof ready)[number]) => m.last_used_at ?? m.updated_at ?? "";
  const manifestId = chosen ?? [...ready].sort((a, b) => recent(b).localeCompare(recent(a)))[0]?.id ?? "";
  // The chosen manifest's cast, for "@" in the prompt: read once one is typed, not for every visit.
  const { data: manifest } = useQuery({ ...manifestQuery(manifestId), enabled: Boolean(manifestId) && prompt.includes("@") });
  const navigate = useNavigate();
  const generate = useGenerateMutation();

  function submit(event: FormEvent) {
    event.preventDefault();
    generate.mutate(
      { prompt, ...(style.trim() ? { style } : {}), ...(manifestId ? { manifest_id: manifestId } : {}) },
      { onSuccess: (made) => navigate(`/projects/${made.project_id}`) },
    );
  }

  return (
    <form className="create generate" onSubmit={submit} aria-label="New project">
      <PromptField value={prompt} onChange={setPrompt} manifest={manifest} mentionable={Boolean(manifestId)} />
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
      <button type="submit" disabled={generate.isPending}>
        Generate
      </button>
      <ErrorNote message={problemOf(generate.error)} />
    </form>
  );
}
