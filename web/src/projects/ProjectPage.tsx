import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { Link, useParams } from "react-router";
import { useRules } from "../api/config";
import { ForkPanel } from "../forks";
import { ProcessingPanel, peopleByHandle } from "../manifest";
import { BranchTree } from "./BranchTree";
import { ContinuitySummary } from "./ContinuitySummary";
import { FilmPlayer } from "./FilmPlayer";
import { FilmRun } from "./FilmRun";
import { RepairSettings } from "./RepairSettings";
import { SceneList } from "./SceneList";
import { SnapshotSection } from "./SnapshotSection";
import { continuityQuery, projectQuery, useSnapshot } from "./queries";
import { projectTitle } from "./title";
import { Loading, Unavailable } from "../ui/PageStates";
import { PROJECT_STAGE, projectStatus } from "../ui/words";

/** A project: the film (its run's phases while it is made, then the cut in a player), its scenes
 * (storyboard, keyframe, clip, the characters each asks for, continuity), and the manifest as it
 * was when the project started (its snapshot). */
export function ProjectPage() {
  const { projectId = "" } = useParams();
  const finished = useRules().terminal_project_statuses;
  const { data: project, error } = useQuery(projectQuery(projectId, finished));
  const { snapshot, snapshotId, isFork } = useSnapshot(project);
  const { data: continuity = null } = useQuery({
    ...continuityQuery(projectId, project?.updated_at ?? ""),
    enabled: Boolean(snapshotId),
    placeholderData: keepPreviousData, // the last report stays up while the next is read
  });
  const people = useMemo(() => peopleByHandle(snapshot), [snapshot]);

  if (error && !project) return <Unavailable error={error} back={{ to: "/projects", label: "Back to the projects" }} />;
  if (!project) return <Loading />;
  const title = projectTitle(project);
  return (
    <main>
      <p>
        <Link to="/projects">← Projects</Link>
      </p>
      <h1>{title}</h1>
      <p className="prompt">{project.prompt}</p>
      <p className="meta">
        {projectStatus(project)} · {PROJECT_STAGE[project.stage ?? ""] ?? project.stage} · branch{" "}
        {project.branch}
        {project.style && <> · style: {project.style}</>}
        {project.error && <span className="error"> · {project.error}</span>}
      </p>
      {project.pipeline === "built_in" && <FilmRun project={project} finished={finished} />}
      <FilmPlayer project={project} title={title} />
      <ContinuitySummary counts={continuity?.counts} />
      <SceneList project={project} snapshot={snapshot} continuity={continuity} people={people} />
      {isFork && project.manifest_id && (
        <>
          <p className="meta">
            A fork of <Link to={`/projects/${project.parent_project_id}`}>its parent project</Link>, with{" "}
            <Link to={`/manifests/${project.manifest_id}`}>its own manifest</Link> (its parent&apos;s cast with the fork&apos;s changes,
            kept with this project): its run takes the new images; the snapshot appears when it is done.
          </p>
          <ProcessingPanel manifestId={project.manifest_id} />
        </>
      )}
      <BranchTree projectId={project.project_id} />
      {project.manifest_id && <RepairSettings project={project} />}
      {snapshot && <SnapshotSection snapshot={snapshot} people={people} />}
      {project.status && finished.includes(project.status) && (!project.manifest_id || snapshot) && (
        // A new read of the project or its snapshot starts the fork's draft again from them.
        <ForkPanel key={`${project.project_id}/${project.updated_at}/${snapshot?.snapshot_id ?? ""}`} project={project} snapshot={snapshot} />
      )}
    </main>
  );
}
