import { type FormEvent, useState } from "react";
import { ApiError, problemOf } from "../api/answers";
import type { Schemas } from "../api/client";
import { fieldErrors } from "./fieldErrors";
import { useSpecSaveMutation } from "./queries";
import { Choice } from "../ui/Choice";
import { counted } from "../ui/words";

type Spec = Schemas["VideoSpec"];
const ASPECT_RATIOS: NonNullable<Spec["aspect_ratio"]>[] = ["16:9", "9:16", "1:1"];

/** Phase 1: the video spec, edited in place (each save a new version); the server's 422 at its field. */
export function SpecEditor({ checkpointId, spec, version }: { checkpointId: string; spec: Spec; version: number }) {
  // The person's edits belong to the version they started from: a new version from the server (this
  // save's, or anyone's) is what the form shows next; a re-read of the same version leaves them be.
  const [edit, setEdit] = useState<{ of: number; spec: Spec } | null>(null);
  const draft = edit && edit.of === version ? edit.spec : spec;
  const save = useSpecSaveMutation(checkpointId); // "Saved" is its state: the last save succeeded, nothing typed since
  const errors = save.error instanceof ApiError ? fieldErrors(save.error.body) : {};
  const problem = problemOf(save.error);
  const set = (patch: Partial<Spec>) => {
    setEdit({ of: version, spec: { ...draft, ...patch } });
    if (save.isSuccess) save.reset();
  };
  const setBeat = (i: number, patch: Partial<Schemas["SpecBeat"]>) =>
    set({ beats: draft.beats.map((b, j) => (j === i ? { ...b, ...patch } : b)) });
  const at = (field: string) =>
    errors[field] ? (
      <span role="alert" className="error">
        {errors[field]}
      </span>
    ) : null;

  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate(draft);
  }

  return (
    <form className="spec" onSubmit={submit} aria-label="Video spec">
      <label>
        Title
        <input value={draft.title} onChange={(e) => set({ title: e.target.value })} />
        {at("title")}
      </label>
      <label>
        Logline
        <input value={draft.logline ?? ""} onChange={(e) => set({ logline: e.target.value })} />
        {at("logline")}
      </label>
      <label>
        Style
        <input value={draft.style ?? ""} onChange={(e) => set({ style: e.target.value })} />
      </label>
      <Choice
        label="Aspect ratio"
        value={draft.aspect_ratio ?? "16:9"}
        options={ASPECT_RATIOS}
        onChange={(aspect_ratio) => set({ aspect_ratio })}
      />
      <label>
        Duration (s)
        <input type="number" value={draft.duration_s} onChange={(e) => set({ duration_s: Number(e.target.value) })} />
        {at("duration_s")}
      </label>
      <fieldset>
        <legend>Beats</legend>
        {draft.beats.map((beat, i) => (
          <div key={i} className="beat">
            <label>
              Beat {counted(i)} description
              <input value={beat.description} onChange={(e) => setBeat(i, { description: e.target.value })} />
              {at(`beats.${i}.description`)}
            </label>
            <label>
              Beat {counted(i)} seconds
              <input type="number" value={beat.duration_s} onChange={(e) => setBeat(i, { duration_s: Number(e.target.value) })} />
              {at(`beats.${i}.duration_s`)}
            </label>
          </div>
        ))}
      </fieldset>
      <button type="submit">Save spec</button> <span aria-live="polite" className="save-state">{save.isSuccess ? "Saved as a new version" : ""}</span>
      {problem && !Object.keys(errors).length && (
        <p role="alert" className="error">
          {problem}
        </p>
      )}
    </form>
  );
}
