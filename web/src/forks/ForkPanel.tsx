import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { useNavigate } from "react-router";
import { problemOf } from "../api/answers";
import type { Schemas } from "../api/client";
import { acceptedImages, useRules } from "../api/config";
import { peopleByHandle } from "../manifest";
import { initialDraft } from "./draft";
import { ForkBasics } from "./ForkBasics";
import { ForkCharacters } from "./ForkCharacters";
import { ForkOtherAssets } from "./ForkOtherAssets";
import { type ForkDraft, forkRequest } from "./forkRequest";
import { ForkRedone } from "./ForkRedone";
import { ForkScenes } from "./ForkScenes";
import { ForkUploads } from "./ForkUploads";
import { forkPreviewQuery } from "./preview";
import { useForkMutation } from "./queries";
import { ErrorNote } from "../ui/ErrorNote";

type Project = Schemas["ProjectDetail"];
type Snapshot = Schemas["SnapshotOut"];

/** Fork a finished project (EditForkPanel): what changes, and before submitting what the fork will
 * redo (the server computes it exactly as the fork will). The draft starts from the project and its
 * snapshot as this panel is made: its parent keys it by them, so a new read starts it again. */
export function ForkPanel({ project, snapshot }: { project: Project; snapshot: Snapshot | null }) {
  const [draft, setDraft] = useState<ForkDraft>(() => initialDraft(project, snapshot));
  const accept = acceptedImages(useRules());
  const navigate = useNavigate();
  const parent = useMemo(
    () => ({ prompt: project.prompt, style: project.style, scenes: project.scenes, assets: snapshot?.assets ?? [] }),
    [project, snapshot],
  );
  const body = useMemo(() => forkRequest(parent, draft), [parent, draft]);
  const { data: preview, error: previewError } = useQuery(forkPreviewQuery(project.project_id, body));
  const people = useMemo(() => peopleByHandle(snapshot), [snapshot]);
  const fork = useForkMutation(project.project_id);
  const problem = problemOf(fork.error) ?? problemOf(previewError);

  return (
    <section aria-label="Fork" className="fork">
      <h2>Fork this project</h2>
      <ForkBasics draft={draft} update={setDraft} />
      <ForkScenes scenes={project.scenes} draft={draft} update={setDraft} />
      {snapshot && (
        <>
          <ForkCharacters snapshot={snapshot} draft={draft} update={setDraft} accept={accept} />
          <ForkOtherAssets assets={snapshot.assets} draft={draft} update={setDraft} accept={accept} />
          <ForkUploads draft={draft} update={setDraft} accept={accept} />
        </>
      )}
      <ForkRedone preview={preview} people={people} />
      <ErrorNote message={problem} />
      <button type="button" onClick={() => fork.mutate(body, { onSuccess: (made) => navigate(`/projects/${made.project_id}`) })} disabled={fork.isPending}>
        Fork
      </button>
    </section>
  );
}
