/** How many scenes stand at each continuity status (their latest beat and clip, every branch). */
export function ContinuitySummary({ counts }: { counts: Record<string, number> | undefined }) {
  const entries = Object.entries(counts ?? {});
  if (entries.length === 0) return null;
  return (
    <p className="continuity-summary" aria-label="Continuity summary">
      Scenes by continuity (their latest beat and clip, every branch):{" "}
      {entries.map(([status, n]) => (
        <span key={status} className={`chip status-${status}`}>
          {n} {status}
        </span>
      ))}
    </p>
  );
}
