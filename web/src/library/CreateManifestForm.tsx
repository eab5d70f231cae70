import { type FormEvent, useState } from "react";
import { useNavigate } from "react-router";
import { api, type Schemas } from "../api/client";
import { errorMessage } from "../api/errors";
import { ErrorNote } from "../ui/ErrorNote";
import { Choice } from "../ui/Choice";

export const CATEGORIES: Schemas["Category"][] = ["CHARACTERS", "ENVIRONMENTS", "OBJECTS", "STYLES", "MIXED"];

/** "noir, hero ,, " -> ["noir", "hero"] */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(",").map((t) => t.trim()).filter(Boolean))];
}

export function CreateManifestForm({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState("");
  const [category, setCategory] = useState<Schemas["Category"]>("CHARACTERS");
  const [tags, setTags] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const navigate = useNavigate();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    const { data, error, response } = await api.POST("/api/manifests", {
      body: { name, category, tags: parseTags(tags) },
    });
    setBusy(false);
    if (!data) return setProblem(errorMessage(error, response.status));
    onCreated();
    navigate(`/manifests/${data.id}`); // next: drop its photos
  }

  return (
    <form className="create" onSubmit={submit} aria-label="New manifest">
      <label>
        Name
        <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
      </label>
      <Choice label="Category" value={category} options={CATEGORIES} onChange={setCategory} />
      <label>
        Tags <small>(comma-separated)</small>
        <input value={tags} onChange={(e) => setTags(e.target.value)} />
      </label>
      <button type="submit" disabled={busy}>
        Create manifest
      </button>
      <ErrorNote message={problem} />
    </form>
  );
}
