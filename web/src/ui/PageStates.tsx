import { Link } from "react-router";
import { ErrorNote } from "./ErrorNote";

/** A page whose record is still being read. */
export function Loading() {
  return <main aria-busy="true">Loading…</main>;
}

/** A page whose record cannot be shown (not found, not yours, the service unreachable): why, and a way back. */
export function Unavailable({ message, back }: { message: string; back?: { to: string; label: string } }) {
  return (
    <main>
      <ErrorNote message={message} />
      {back && <Link to={back.to}>{back.label}</Link>}
    </main>
  );
}
