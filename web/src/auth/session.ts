// Sign-in through Firebase Auth: Google in a deployment; locally the Auth emulator of the stack,
// where `/?as=UID` signs straight in as UID. The config comes from the server, never the bundle.
import { initializeApp } from "firebase/app";
import {
  type Auth,
  GoogleAuthProvider,
  type User,
  connectAuthEmulator,
  getAuth,
  onAuthStateChanged,
  signInWithCustomToken,
  signInWithPopup,
  signOut,
} from "firebase/auth";
import { sendTokensFrom } from "../api/client";
import { configQuery } from "../api/config";
import { keys } from "../api/keys";
import { queryClient } from "../api/queryClient";
import { requestedUid, unsignedCustomToken } from "./customToken";

export interface Session {
  auth: Auth;
  local: boolean; // the stack's own Auth emulator: the "sign in as" shortcut exists
}

export async function startSession(onUser: (user: User | null) => void): Promise<Session> {
  // Into the cache: every screen reads the server's rules from this one answer.
  const data = await queryClient.fetchQuery(configQuery);
  const app = initializeApp({ apiKey: data.api_key, authDomain: data.auth_domain, projectId: data.project_id });
  const auth = getAuth(app);
  const local = Boolean(data.auth_emulator_url);
  if (data.auth_emulator_url) connectAuthEmulator(auth, data.auth_emulator_url, { disableWarnings: true });
  sendTokensFrom(async () => (auth.currentUser ? auth.currentUser.getIdToken() : null));
  const uid = requestedUid(window.location.search, data.auth_emulator_url);
  if (uid) {
    await signInWithCustomToken(auth, unsignedCustomToken(uid));
    const url = new URL(window.location.href);
    url.searchParams.delete("as");
    window.history.replaceState(null, "", url.toString());
  }
  let signedIn: string | null | undefined; // undefined: not told yet
  onAuthStateChanged(auth, (user) => {
    // Another person (or nobody) now: nothing read for the one before may show.
    const now = user?.uid ?? null;
    if (signedIn !== undefined && now !== signedIn) queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== keys.config[0] });
    signedIn = now;
    onUser(user);
  });
  return { auth, local };
}

export function signInWithGoogle(session: Session): Promise<unknown> {
  return signInWithPopup(session.auth, new GoogleAuthProvider());
}

export function leave(session: Session): Promise<void> {
  return signOut(session.auth);
}
