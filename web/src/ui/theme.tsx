import { useState } from "react";

// The studio follows the system's light or dark preference unless the person chose one; the choice
// is kept in this browser (localStorage) and set on <html> as data-theme (styles.css reads it).
type Theme = "system" | "light" | "dark";
const KEY = "vidpipe-theme";

function stored(): Theme {
  try {
    const value = localStorage.getItem(KEY);
    return value === "light" || value === "dark" ? value : "system";
  } catch {
    return "system"; // storage blocked: the system's preference
  }
}

export function applyTheme(theme: Theme = stored()): void {
  if (theme === "system") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}

/** The header's theme switch. */
export function ThemeSwitch() {
  const [theme, setTheme] = useState<Theme>(stored);
  const choose = (next: Theme) => {
    setTheme(next);
    try {
      if (next === "system") localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, next);
    } catch {
      // kept for this page only
    }
    applyTheme(next);
  };
  return (
    <label className="theme">
      Theme
      <select value={theme} onChange={(e) => choose(e.target.value as Theme)}>
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </label>
  );
}
