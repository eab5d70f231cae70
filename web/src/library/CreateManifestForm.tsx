import { type FormEvent, useState } from "react";
import { useNavigate } from "react-router";
import { problemOf } from "../api/answers";
import type { Schemas } from "../api/client";
import { categoriesOf, useRules } from "../api/config";
import { useCreateManifestMutation } from "./queries";
import { ErrorNote } from "../ui/ErrorNote";
import { Choice } from "../ui/Choice";

/** "noir, hero ,, " -> ["noir", "hero"] */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(",").map((t) => t.trim()).filter(Boolean))];
}

export function CreateManifestForm() {
  const categories = categoriesOf(useRules());
  const [name, setName] = useState("");
  const [category, setCategory] = useState<Schemas["Category"]>("CHARACTERS");
  const [tags, setTags] = useState("");
  const navigate = useNavigate();
  const create = useCreateManifestMutation();

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate(
      { name, category, tags: parseTags(tags) },
      { onSuccess: (created) => navigate(`/manifests/${created.id}`) }, // next: drop its photos
    );
  }

  return (
    <form className="create" onSubmit={submit} aria-label="New manifest">
      <label>
        Name
        <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
      </label>
      <Choice label="Category" value={category} options={categories} onChange={setCategory} />
      <label>
        Tags <small>(comma-separated)</small>
        <input value={tags} onChange={(e) => setTags(e.target.value)} />
      </label>
      <button type="submit" disabled={create.isPending}>
        Create manifest
      </button>
      <ErrorNote message={problemOf(create.error)} />
    </form>
  );
}
