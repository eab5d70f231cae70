import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { problemOf } from "../api/answers";
import { useRules } from "../api/config";
import { BranchTree } from "../checkpoints/BranchTree";
import { ContinuityBadge } from "../continuity/ContinuityBadge";
import { ForkPanel } from "../forks/ForkPanel";
import { ProcessingPanel } from "../manifest/ProcessingPanel";
import { useRunStatus } from "../manifest/queries";
import { sceneChips } from "./characters";
import { RepairSettings } from "./RepairSettings";
import { ScenePack } from "./ScenePack";
import { continuityQuery, projectQuery, snapshotQuery } from "./queries";
import { Loading, Unavailable } from "../ui/PageStates";
import { PROJECT_STAGE, PROJECT_STATUS, counted } from "../ui/words";

/** A project: its scenes (storyboard, keyframe, clip, the characters each asks for, continuity),
 * and the manifest as it was when the project started (its snapshot). */
export function ProjectPage() {
  const { projectId = "" } = useParams();
  const finished = useRules().terminal_project_statuses;
  const { data: project, error } = useQuery(projectQuery(projectId, finished));
  const isFork = Boolean(project?.parent_project_id && project?.manifest_id);
  // A fork's snapshot is written when its manifest's run finishes: read it only then.
  const runStatus = useRunStatus(isFork ? project?.manifest_id : null);
  const snapshotId = isFork && (runStatus === undefined || runStatus === "PROCESSING") ? null : project?.snapshot_id;
  const { data: snapshot = null } = useQuery({ ...snapshotQuery(projectId, snapshotId ?? ""), enabled: Boolean(snapshotId) });
  const { data: continuity = null } = useQuery({
    ...continuityQuery(projectId, project?.updated_at ?? ""),
    enabled: Boolean(snapshotId),
    placeholderData: keepPreviousData, // the last report stays up while the next is read
  });

  if (error && !project) return <Unavailable message={problemOf(error) ?? ""} back={{ to: "/projects", label: "Back to the projects" }} />;
  if (!project) return <Loading />;
  const sceneStatus = new Map(
    (continuity?.scenes ?? []).filter((s) => s.branch === project.branch).map((s) => [s.scene_index, s]),
  );
  return (
    <main>
      <p>
        <Link to="/projects">← Projects</Link>
      </p>
      <h1>{project.title || project.prompt}</h1>
      <p className="meta">
        {PROJECT_STATUS[project.status ?? "pending"] ?? project.status} · {PROJECT_STAGE[project.stage ?? ""] ?? project.stage} · branch{" "}
        {project.branch}
        {project.style && <> · style: {project.style}</>}
        {project.error && <span className="error"> · {project.error}</span>}
      </p>
      {continuity && Object.keys(continuity.counts ?? {}).length > 0 && (
        <p className="continuity-summary" aria-label="Continuity summary">
          Scenes by continuity (their latest beat and clip, every branch):{" "}
          {Object.entries(continuity.counts ?? {}).map(([status, n]) => (
            <span key={status} className={`chip status-${status}`}>
              {n} {status}
            </span>
          ))}
        </p>
      )}
      <section aria-label="Scenes">
        <h2>Scenes</h2>
        {project.scenes.length === 0 && <p className="empty-note">No scenes yet: the pipeline records them as it goes.</p>}
        <ol className="scenes">
          {project.scenes.map((scene) => {
            const checked = sceneStatus.get(scene.index);
            return (
              <li key={scene.index} className="scene" aria-label={`Scene ${counted(scene.index)}`}>
                <h3>Scene {counted(scene.index)}</h3>
                {scene.storyboard_text && <p>{scene.storyboard_text}</p>}
                <p className="chips" aria-label="Characters">
                  {sceneChips(scene.scene_manifest?.asset_tags ?? [], snapshot).map((chip) => (
                    <span key={chip.key} className={`chip${chip.character ? " character" : ""}`}>
                      {chip.label}
                    </span>
                  ))}
                </p>
                {scene.keyframe_url && <img className="keyframe" src={scene.keyframe_url} alt={`Keyframe of scene ${counted(scene.index)}`} />}
                {scene.clip_url && <video className="clip" src={scene.clip_url} controls preload="metadata" aria-label={`Clip of scene ${counted(scene.index)}`} />}
                {checked && (
                  <p className="scene-continuity">
                    Beat: <ContinuityBadge report={checked.beat?.report} /> Clip: <ContinuityBadge report={checked.chunk?.report} />
                  </p>
                )}
                {project.snapshot_id && (scene.storyboard_text || (scene.scene_manifest?.asset_tags ?? []).length > 0) && (
                  <ScenePack projectId={project.project_id} sceneIndex={scene.index} snapshotId={project.snapshot_id} />
                )}
              </li>
            );
          })}
        </ol>
      </section>
      {isFork && project.manifest_id && (
        <>
          <p className="meta">
            A fork of <Link to={`/projects/${project.parent_project_id}`}>its parent project</Link>: its own manifest runs the
            changed assets; the snapshot appears when the run is done.
          </p>
          <ProcessingPanel manifestId={project.manifest_id} />
        </>
      )}
      <BranchTree projectId={project.project_id} />
      {project.manifest_id && <RepairSettings project={project} />}
      {snapshot && (
        <section aria-label="Snapshot">
          <h2>The manifest as it was</h2>
          <p className="meta">
            {snapshot.manifest.name} · version {snapshot.manifest_version} · {snapshot.assets.length} assets
            {snapshot.contact_sheet_url && (
              <>
                {" "}
                · <a href={snapshot.contact_sheet_url} target="_blank" rel="noreferrer">
                  Contact sheet
                </a>
              </>
            )}
          </p>
          <ul className="cast-row" aria-label="Cast as it was">
            {(snapshot.cast ?? []).map((member) => {
              const best = snapshot.assets.find((a) => a.id === member.best_reference_asset_id);
              return (
                <li key={member.character_id}>
                  {best?.thumbnail_url && <img className="face" src={best.thumbnail_url} alt={member.name} />}
                  <span>
                    {member.handle} · {member.name}
                  </span>
                </li>
              );
            })}
          </ul>
        </section>
      )}
      {project.status && finished.includes(project.status) && (!project.manifest_id || snapshot) && (
        // A new read of the project or its snapshot starts the fork's draft again from them.
        <ForkPanel key={`${project.project_id}/${project.updated_at}/${snapshot?.snapshot_id ?? ""}`} project={project} snapshot={snapshot} />
      )}
    </main>
  );
}
