import type { User } from "firebase/auth";
import { useEffect, useState } from "react";
import { BrowserRouter, Route, Routes } from "react-router";
import { errorMessage } from "./api/errors";
import { type Session, leave, signInWithGoogle, startSession } from "./auth/session";
import { CheckpointPage } from "./checkpoints";
import { FaceSearchPage } from "./faces";
import { LibraryPage } from "./library";
import { ManifestPage } from "./manifest";
import { ProjectPage } from "./projects";
import { ProjectsPage } from "./projects";
import { NotFound } from "./ui/PageStates";
import { TopBar } from "./ui/TopBar";

type State = { phase: "starting" } | { phase: "failed"; message: string } | { phase: "ready"; user: User | null };

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [state, setState] = useState<State>({ phase: "starting" });

  useEffect(() => {
    startSession((user) => setState({ phase: "ready", user }))
      .then(setSession)
      .catch((e: unknown) => setState({ phase: "failed", message: e instanceof Error ? e.message : errorMessage(e) }));
  }, []);

  if (state.phase === "starting") return <p className="center">Starting…</p>;
  if (state.phase === "failed")
    return (
      <p role="alert" className="center error">
        The studio could not start: {state.message}
      </p>
    );
  if (!state.user || !session)
    return (
      <main className="center">
        <h1>vidpipe studio</h1>
        <p>Reference libraries that keep your characters, objects and places consistent in every shot.</p>
        {session && (
          <button type="button" onClick={() => void signInWithGoogle(session)}>
            Sign in with Google
          </button>
        )}
        {session?.local && <p className="hint">Local stack: open /?as=YOUR_NAME to sign in as that user.</p>}
      </main>
    );
  return (
    <BrowserRouter>
      <TopBar who={state.user.email ?? state.user.uid} signOut={() => void leave(session)} />
      <Routes>
        <Route path="/manifests/:manifestId" element={<ManifestPage />} />
        <Route path="/faces" element={<FaceSearchPage />} />
        <Route path="/projects" element={<ProjectsPage />} />
        <Route path="/projects/:projectId" element={<ProjectPage />} />
        <Route path="/checkpoints/:checkpointId" element={<CheckpointPage />} />
        <Route path="/" element={<LibraryPage />} />
        <Route path="*" element={<NotFound />} />
      </Routes>
    </BrowserRouter>
  );
}
