import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useNavigate } from "react-router";
import { problemOf } from "../api/answers";
import { manifestListQuery } from "../library";
import { manifestQuery } from "../manifest";
import { FilmQuote, overBudget } from "./FilmQuote";
import { PromptField } from "./PromptField";
import { quoteQuery, useGenerateMutation } from "./queries";
import { ErrorNote } from "../ui/ErrorNote";

// The lengths a creator picks from (the server makes scenes of Veo's lengths that reach it).
const LENGTHS_S = [8, 16, 24, 32, 48, 64];
const DEFAULT_LENGTH_S = 24;

/** Make a film: a manifest (its cast is what "@" offers), a prompt, a length, a budget checked
 * against the quote shown before anything starts, and whether the film goes on by itself past
 * each checkpoint. A manifest's own fork copies are not offered: they live with their projects. */
export function GenerateForm() {
  const [prompt, setPrompt] = useState("");
  const [style, setStyle] = useState("");
  const [length, setLength] = useState(DEFAULT_LENGTH_S);
  const [budget, setBudget] = useState(""); // "": the service's default budget
  const [auto, setAuto] = useState(true);
  const [chosen, setManifestId] = useState<string | null>(null); // null: nothing chosen yet
  const { data: listed = [] } = useQuery(manifestListQuery({ status: "READY", sort: "name", limit: 100 }));
  const ready = listed.filter((m) => !m.fork_project_id);
  // Until one is chosen, the READY manifest used most recently (or, never used, changed most recently).
  const recent = (m: (typeof ready)[number]) => m.last_used_at ?? m.updated_at ?? "";
  const manifestId = chosen ?? [...ready].sort((a, b) => recent(b).localeCompare(recent(a)))[0]?.id ?? "";
  // The chosen manifest's cast, for "@" in the prompt: read once one is typed, not for every visit.
  const { data: manifest } = useQuery({ ...manifestQuery(manifestId), enabled: Boolean(manifestId) && prompt.includes("@") });
  const { data: quote } = useQuery(quoteQuery(length));
  const limit = budget.trim() === "" ? quote?.default_budget : Number(budget);
  const navigate = useNavigate();
  const generate = useGenerateMutation();

  function submit(event: FormEvent) {
    event.preventDefault();
    generate.mutate(
      {
        prompt,
        target_duration_s: length,
        auto_continue: auto,
        ...(budget.trim() ? { budget: Number(budget) } : {}),
        ...(style.trim() ? { style } : {}),
        ...(manifestId ? { manifest_id: manifestId } : {}),
      },
      { onSuccess: (made) => navigate(`/projects/${made.project_id}`) },
    );
  }

  return (
    <form className="create generate" onSubmit={submit} aria-label="New film">
      <label className="wide">
        Cast from
        <select value={manifestId} onChange={(e) => setManifestId(e.target.value)}>
          <option value="">No manifest</option>
          {ready.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name} · v{m.version} · {m.asset_count} assets
            </option>
          ))}
        </select>
      </label>
      <PromptField value={prompt} onChange={setPrompt} manifest={manifest} mentionable={Boolean(manifestId)} />
      <label>
        Length
        <select value={length} onChange={(e) => setLength(Number(e.target.value))}>
          {LENGTHS_S.map((s) => (
            <option key={s} value={s}>
              {s} seconds
            </option>
          ))}
        </select>
      </label>
      <label>
        Budget (USD)
        <input type="number" min={0} step={0.01} value={budget} placeholder={quote ? quote.default_budget.toFixed(2) : ""} onChange={(e) => setBudget(e.target.value)} />
      </label>
      <label>
        Style
        <input value={style} onChange={(e) => setStyle(e.target.value)} maxLength={2000} placeholder="optional" />
      </label>
      <label className="check wide">
        <input type="checkbox" checked={auto} onChange={(e) => setAuto(e.target.checked)} />
        Go on by itself (do not wait for my approval at each step)
      </label>
      <FilmQuote quote={quote} budget={limit} />
      <button type="submit" disabled={generate.isPending || overBudget(quote, limit)}>
        Make the film
      </button>
      <ErrorNote message={problemOf(generate.error)} />
    </form>
  );
}
