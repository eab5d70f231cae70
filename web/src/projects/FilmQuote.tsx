import type { Schemas } from "../api/client";
import { dollars } from "../ui/words";

type Quote = Schemas["QuoteOut"];

/** Whether the film's quote passes its budget (the server would refuse to start it). */
export const overBudget = (quote: Quote | undefined, budget: number | undefined): boolean =>
  Boolean(quote && budget !== undefined && quote.total > budget + 1e-9);

/** What the film may cost at most, said before anything starts, against the budget it is held to. */
export function FilmQuote({ quote, budget }: { quote: Quote | undefined; budget: number | undefined }) {
  if (!quote || budget === undefined || Number.isNaN(budget)) return <p className="quote wide" aria-live="polite" />;
  const scenes = quote.scenes === 1 ? "1 scene" : `${quote.scenes} scenes`;
  return (
    <p className={`quote wide${overBudget(quote, budget) ? " over" : ""}`} aria-live="polite" data-testid="quote">
      {scenes}, {quote.duration_s} s: at most <strong>{dollars(quote.total)}</strong> of a {dollars(budget)} budget (storyboard{" "}
      {dollars(quote.storyboard)}, first frames {dollars(quote.keyframes)}, clips {dollars(quote.clips)}).
      {overBudget(quote, budget) && " More than the budget: raise it or make the film shorter."}
    </p>
  );
}
