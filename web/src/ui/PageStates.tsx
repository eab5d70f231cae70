import { Link } from "react-router";
import { ApiError, problemOf } from "../api/answers";
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

/** A page whose record cannot be shown: one that is not there (or not the caller's: the server
 * says the same 404 for both) is the studio's own not-found page; otherwise why, and a way back. */
export function Unavailable({ error, back }: { error: unknown; back?: { to: string; label: string } }) {
  if (error instanceof ApiError && error.status === 404) return <NotFound />;
  return (
    <main>
      <h1>This page could not be shown</h1>
      <ErrorNote message={problemOf(error)} />
      {back && <Link to={back.to}>{back.label}</Link>}
    </main>
  );
}
