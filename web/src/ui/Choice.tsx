import type { ReactNode } from "react";

/** A labelled <select> of a fixed list of values, each shown as itself. `none` adds a first, empty
 *  choice ("All", "None") whose value is "". */
export function Choice<T extends string>({
  label,
  value,
  options,
  onChange,
  none,
}: {
  label: ReactNode;
  value: T;
  options: readonly T[];
  onChange: (value: T) => void;
  none?: string;
}) {
  return (
    <label>
      {label}
      {/* The values are the options' own (or "" for `none`, which T then includes). */}
      <select value={value} onChange={(e) => onChange(e.target.value as T)}>
        {none !== undefined && <option value="">{none}</option>}
        {options.map((option) => (
          <option key={option}>{option}</option>
        ))}
      </select>
    </label>
  );
}
