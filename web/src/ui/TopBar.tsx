import { useState } from "react";
import { Link, useLocation } from "react-router";
import { ThemeSwitch } from "./theme";

/** The studio's header: its pages, the theme, who is signed in. On a phone it folds into a Menu
 * button, so a page's own content starts near the top; it folds again on the next page. */
export function TopBar({ who, signOut }: { who: string; signOut: () => void }) {
  const { pathname } = useLocation();
  const [openOn, setOpenOn] = useState<string | null>(null); // the page the menu was opened on
  const open = openOn === pathname;
  return (
    <header className="top">
      <strong>vidpipe studio</strong>
      <button type="button" className="menu-button" aria-expanded={open} aria-controls="top-menu" onClick={() => setOpenOn(open ? null : pathname)}>
        Menu
      </button>
      <div id="top-menu" className={`top-menu${open ? " open" : ""}`}>
        <nav aria-label="Studio">
          <Link to="/">Library</Link>
          <Link to="/projects">Projects</Link>
          <Link to="/faces">Face search</Link>
        </nav>
        <ThemeSwitch />
        <span className="who">
          Signed in as <span data-testid="uid">{who}</span>
        </span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </div>
    </header>
  );
}
