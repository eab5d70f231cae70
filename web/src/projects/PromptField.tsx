import { type KeyboardEvent, useId, useMemo, useRef, useState } from "react";
import type { Schemas } from "../api/client";
import { faceOf } from "../manifest";
import { candidates, insertMention, mentionAt, mentionOf } from "./mentions";

/** The prompt, where "@" offers the manifest's cast while the prompt has the focus: arrows move,
 * Enter or Tab writes the one chosen (as the server reads names), Escape closes; a click works too.
 * The textarea points at the chosen option (aria-activedescendant), so a screen reader follows. */
export function PromptField({
  value,
  onChange,
  manifest,
  mentionable,
}: {
  value: string;
  onChange: (text: string) => void;
  manifest: Schemas["ManifestDetail"] | undefined; // read once "@" is typed
  mentionable: boolean; // a manifest is chosen
}) {
  const field = useRef<HTMLTextAreaElement>(null);
  const [caret, setCaret] = useState(0);
  const [active, setActive] = useState(0);
  const [closed, setClosed] = useState(false);
  const [focused, setFocused] = useState(false);
  const listId = useId();
  const cast = manifest?.cast ?? [];
  const at = focused && !closed ? mentionAt(value, caret) : null;
  const offered = at ? candidates(cast, at.query) : [];
  // What is typed already names someone exactly: Enter and Tab keep their usual work.
  const written = at !== null && offered.some((m) => mentionOf(m, cast) === `@${at.query}`);
  const byId = useMemo(() => new Map((manifest?.assets ?? []).map((a) => [a.id, a])), [manifest]);
  const chosen = Math.min(active, Math.max(0, offered.length - 1));
  const optionId = (i: number) => `${listId}-${i}`;

  function pick(member: Schemas["CastMember"]) {
    if (!at) return;
    const next = insertMention(value, at, mentionOf(member, cast));
    onChange(next.text);
    setCaret(next.caret);
    requestAnimationFrame(() => field.current?.setSelectionRange(next.caret, next.caret));
  }
  function keys(event: KeyboardEvent<HTMLTextAreaElement>) {
    const plain = !(event.shiftKey || event.altKey || event.ctrlKey || event.metaKey || event.nativeEvent.isComposing);
    if (offered.length === 0 || !plain) return;
    const moves: Record<string, () => void> = {
      ArrowDown: () => setActive((chosen + 1) % offered.length),
      ArrowUp: () => setActive((chosen - 1 + offered.length) % offered.length),
      Escape: () => setClosed(true),
      ...(written ? {} : { Enter: () => pick(offered[chosen]), Tab: () => pick(offered[chosen]) }),
    };
    const move = moves[event.key];
    if (move) {
      event.preventDefault();
      move();
    }
  }
  const follow = (target: HTMLTextAreaElement) => {
    setCaret(target.selectionStart);
    setClosed(false);
    setActive(0);
  };

  return (
    <div className="prompt-field wide">
      <label>
        Prompt
        <textarea
          ref={field}
          value={value}
          required
          rows={2}
          aria-describedby={`${listId}-hint`}
          aria-controls={offered.length ? listId : undefined}
          aria-activedescendant={offered.length ? optionId(chosen) : undefined}
          onChange={(e) => {
            onChange(e.target.value);
            follow(e.target);
          }}
          onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
          onKeyDown={keys}
          onFocus={() => setFocused(true)}
          onBlur={() => setFocused(false)}
        />
      </label>
      <span id={`${listId}-hint`} className="hint">
        {mentionable ? "Type @ to name a character of the manifest." : ""}
      </span>
      {offered.length > 0 && (
        <ul id={listId} role="listbox" aria-label="Characters to name" className="mentions">
          {offered.map((m, i) => {
            const face = faceOf(m, byId);
            return (
              <li
                key={m.character_id}
                id={optionId(i)}
                role="option"
                aria-selected={i === chosen}
                onMouseDown={(e) => {
                  e.preventDefault(); // the prompt keeps the focus and its caret
                  pick(m);
                }}
              >
                {face && <img className="avatar" src={face} alt="" />}
                {m.name} <span className="handle">{m.handle}</span>
              </li>
            );
          })}
        </ul>
      )}
      <span className="sr-only" aria-live="polite">
        {offered.length > 0 ? `${offered.length} ${offered.length === 1 ? "character matches" : "characters match"}` : ""}
      </span>
    </div>
  );
}
