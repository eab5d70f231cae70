import { Link } from "react-router";
import { ErrorNote } from "./ErrorNote";

/** A page whose record is still being read: the shape of a page, not a bare word. */
export function Loading() {
  return (
    <main aria-busy="true" className="skeleton">
      <span className="sr-only">Loading</span>
      <div className="bone title" />
      <div className="bone line" />
      <div className="bones">
        <div className="bone card" />
        <div className="bone card" />
        <div className="bone card" />
      </div>
    </main>
  );
}

/** An address the studio has no page for. */
export function NotFound() {
  return (
    <main>
      <h1>Nothing here</h1>
      <p>This address is not a page of the studio: it may have been mistyped, or what it showed was deleted.</p>
      <Link to="/">Back to the library</Link>
    </main>
  );
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
