import { useState } from "react";

/** A long text edited in place, with a visible state: unchanged, unsaved, saving, saved, or why not.
 * What is typed is kept apart from the server's `value` (no copy of it in state): untouched, the
 * field shows the server's text as it changes; once saved, the server's text again. */
export function EditableText({ label, value, save }: { label: string; value: string; save: (text: string) => Promise<string | null> }) {
  const [draft, setDraft] = useState<string | null>(null); // null: not edited
  const [state, setState] = useState<"idle" | "saving" | "saved" | { error: string }>("idle");
  const text = draft ?? value;
  const dirty = text !== value;

  async function submit() {
    setState("saving");
    const problem = await save(text); // resolves once the server's value is read again
    if (!problem) setDraft(null);
    setState(problem ? { error: problem } : "saved");
  }

  return (
    <div className="editable">
      <label>
        {label}
        <textarea
          value={text}
          rows={3}
          onChange={(e) => {
            setDraft(e.target.value);
            setState("idle");
          }}
        />
      </label>
      <button type="button" onClick={submit} disabled={!dirty || state === "saving"}>
        Save {label.toLowerCase()}
      </button>{" "}
      <span aria-live="polite" className="save-state">
        {state === "saving" ? "Saving…" : state === "saved" && !dirty ? "Saved" : dirty ? "Unsaved changes" : ""}
      </span>
      {typeof state === "object" && (
        <span role="alert" className="error">
          {state.error}
        </span>
      )}
    </div>
  );
}
