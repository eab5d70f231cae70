// GET /api/studio/config (public): the Firebase web config, and the rules the server states once
// for every client (a run's step order, the asset type a category suggests, the image types it
// takes, the project statuses that mean finished). Read once per visit, before anything renders.
import { queryOptions, useSuspenseQuery } from "@tanstack/react-query";
import { api, type Schemas } from "./client";
import { must } from "./answers";
import { keys } from "./keys";

export type Rules = Schemas["StudioRules"];

export const configQuery = queryOptions({
  queryKey: keys.config,
  queryFn: ({ signal }) => must(api.GET("/api/studio/config", { signal })),
  staleTime: Infinity, // the same for the life of a deployment
  gcTime: Infinity, // kept while no screen shows a rule (the sign-in page)
});

/** The server's rules: in the cache since the studio started (startSession), so never waits. */
export function useRules(): Rules {
  return useSuspenseQuery(configQuery).data.rules;
}

/** "image/jpeg,image/png,image/webp": what a file input offers to pick. */
export function acceptedImages(rules: Rules): string {
  return rules.image_types.map((t) => t.content_type).join(",");
}

/** Every category, in the server's order (each suggests an asset type, so each is a key there). */
export function categoriesOf(rules: Rules): Schemas["Category"][] {
  return Object.keys(rules.category_asset_types) as Schemas["Category"][];
}
