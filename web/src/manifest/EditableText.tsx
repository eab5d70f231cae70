import { useEffect, useState } from "react";

/** A long text edited in place, with a visible state: unchanged, unsaved, saving, saved, or why not. */
export function EditableText({ label, value, save }: { label: string; value: string; save: (text: string) => Promise<string | null> }) {
  const [text, setText] = useState(value);
  const [state, setState] = useState<"idle" | "saving" | "saved" | { error: string }>("idle");
  useEffect(() => setText(value), [value]);
  const dirty = text !== value;

  async function submit() {
    setState("saving");
    const problem = await save(text);
    setState(problem ? { error: problem } : "saved");
  }

  return (
    <div className="editable">
      <label>
        {label}
        <textarea value={text} rows={3} onChange={(e) => {
          setText(e.target.value);
          setState("idle");
        }} />
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
