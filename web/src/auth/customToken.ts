// The local stack's "sign in as UID" (`/?as=alice`): the Firebase Auth emulator accepts unsigned
// custom tokens, so the real JS SDK signs in with one. Only ever used when the server's config names
// an emulator, which a deployment never does (functions/api/studio.py).
const AUDIENCE =
  "https://identitytoolkit.googleapis.com/google.identity.identitytoolkit.v1.IdentityToolkit";

function base64url(value: object): string {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  let binary = "";
  bytes.forEach((b) => (binary += String.fromCharCode(b)));
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function unsignedCustomToken(uid: string, now: number = Date.now()): string {
  const iat = Math.floor(now / 1000);
  const claims = { uid, sub: uid, iss: "studio-local", aud: AUDIENCE, iat, exp: iat + 3600 };
  return `${base64url({ alg: "none", typ: "JWT" })}.${base64url(claims)}.`;
}

/** A uid from `?as=` when the stack names an Auth emulator (never in a deployment), and only what
 * Firebase accepts as a uid (1-128 characters, no slash); else null. */
export function requestedUid(search: string, authEmulatorUrl: string | null | undefined): string | null {
  if (!authEmulatorUrl) return null;
  const uid = new URLSearchParams(search).get("as");
  return uid && uid.length <= 128 && !uid.includes("/") && uid.trim() === uid ? uid : null;
}
