import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { Link, useParams } from "react-router";
import { problemOf } from "../api/answers";
import { useRules } from "../api/config";
import { BranchTree } from "../checkpoints/BranchTree";
import type { Schemas } from "../api/client";
import { ContinuityBadge } from "../continuity/ContinuityBadge";
import { FrameFaces } from "../continuity/FrameFaces";
import { ForkPanel } from "../forks/ForkPanel";
import { ProcessingPanel } from "../manifest/ProcessingPanel";
import { peopleByHandle, sceneChips } from "./characters";
import { RepairSettings } from "./RepairSettings";
import { ScenePack } from "./ScenePack";
import { continuityQuery, projectQuery, useSnapshot } from "./queries";
import { Loading, Unavailable } from "../ui/PageStates";
import { PROJECT_STAGE, PROJECT_STATUS, counted } from "../ui/words";

/** A project: its scenes (storyboard, keyframe, clip, the characters each asks for, continuity),
 * and the manifest as it was when the project started (its snapshot). */
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
                <SceneFrame scene={scene} checked={checked} />
                <h3>Scene {counted(scene.index)}</h3>
                {scene.storyboard_text && <p>{scene.storyboard_text}</p>}
                <p className="chips" aria-label="Characters">
                  {sceneChips(scene.scene_manifest?.asset_tags ?? [], snapshot).map((chip) => (
                    <span key={chip.key} className={`chip${chip.character ? " character" : ""}`}>
                      {chip.face && <img className="avatar" src={chip.face} alt="" />}
                      {chip.label}
                    </span>
                  ))}
                </p>
                {checked && (
                  <p className="scene-continuity">
                    Beat: <ContinuityBadge report={checked.beat?.report} people={people} /> Clip:{" "}
                    <ContinuityBadge report={checked.chunk?.report} people={people} />
                  </p>
                )}
                {checked && (
                  <p className="scene-links">
                    {checked.beat && <Link to={`/checkpoints/${checked.beat.checkpoint_id}`}>Open its beats</Link>}{" "}
                    {checked.chunk && <Link to={`/checkpoints/${checked.chunk.checkpoint_id}`}>Open its clips</Link>}
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
              const face = people.get(member.handle)?.face;
              return (
                <li key={member.character_id}>
                  {face && <img className="face" src={face} alt={member.name} />}
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

/** A scene's picture: its latest beat with the faces its check named, else its clip, else the
 * pipeline's keyframe or clip; none yet says so. */
function SceneFrame({ scene, checked }: { scene: Schemas["Scene"]; checked: Schemas["SceneContinuity"] | undefined }) {
  const n = counted(scene.index);
  if (checked?.beat?.media_url) return <FrameFaces src={checked.beat.media_url} alt={`Scene ${n}, its latest beat`} report={checked.beat.report} />;
  const clip = checked?.chunk?.media_url ?? scene.clip_url;
  if (clip) return <video className="clip" src={clip} controls preload="metadata" aria-label={`Clip of scene ${n}`} />;
  if (scene.keyframe_url) return <img className="keyframe" src={scene.keyframe_url} alt={`Keyframe of scene ${n}`} />;
  return <div className="keyframe no-frame">No frame yet</div>;
}
