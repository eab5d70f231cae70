import { type ReactNode, useState } from "react";

/** A form a page offers but does not lead with: a button-like summary that opens it in place.
 * `open`: how it starts (a page with nothing yet starts it open). */
export function Opener({ label, open: first, children }: { label: string; open: boolean; children: ReactNode }) {
  const [open, setOpen] = useState(first);
  return (
    <details className="opener" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>{label}</summary>
      {children}
    </details>
  );
}
