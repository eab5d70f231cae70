// The typed API client: every path, body and answer comes from schema.d.ts, which is generated
// from the served /api/openapi.json (`make web-types`; a test fails when they differ).
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type Manifest = Schemas["ManifestOut"];

type TokenSource = () => Promise<string | null>;

let tokenSource: TokenSource = async () => null;

/** Called once signed in: every request then carries the user's Firebase ID token. */
export function sendTokensFrom(source: TokenSource): void {
  tokenSource = source;
}

const bearer: Middleware = {
  async onRequest({ request }) {
    const token = await tokenSource();
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: "/" });
api.use(bearer);
