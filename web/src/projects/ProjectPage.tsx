import { useCallback, useEffect, useState } from "react";
import { Link, useParams } from "react-router";
import { api, type Schemas } from "../api/client";
import { errorMessage } from "../api/errors";
import { BranchTree } from "../checkpoints/BranchTree";
import { ContinuityBadge } from "../continuity/ContinuityBadge";
import { ForkPanel } from "../forks/ForkPanel";
import { ProcessingPanel } from "../manifest/ProcessingPanel";
import { useServer } from "../manifest/useServer";
import { sceneChips } from "./characters";
import { Loading, Unavailable } from "../ui/PageStates";

type Detail = Schemas["ProjectDetail"];
type Snapshot = Schemas["SnapshotOut"];
type Continuity = Schemas["ProjectContinuity"];

/** A project: its scenes (storyboard, keyframe, clip, the characters each asks for, continuity),
 * and the manifest as it was when the project started (its snapshot). */
export function ProjectPage() {
  const { projectId = "" } = useParams();
  const read = useCallback(async () => {
    const { data, error, response } = await api.GET("/api/projects/{project_id}", { params: { path: { project_id: projectId } } });
    return data ? { data } : { message: errorMessage(error, response.status) };
  }, [projectId]);
  const { data: project, error, reload } = useServer<Detail>(read, (p) => p.status === "running" || p.status === "pending", 3000);
  const [snapshot, setSnapshot] = useState<Snapshot | null>(null);
  const [continuity, setContinuity] = useState<Continuity | null>(null);
  // A fork's snapshot is written when its manifest's run finishes: read it only then.
  const [runStatus, setRunStatus] = useState<Schemas["ManifestStatus"] | null>(null);
  const isFork = Boolean(project?.parent_project_id && project?.manifest_id);
  const snapshotId = isFork && (runStatus === null || runStatus === "PROCESSING") ? null : project?.snapshot_id;
  const updatedAt = project?.updated_at;

  useEffect(() => {
    if (!snapshotId) return;
    const path = { params: { path: { project_id: projectId } } };
    void api.GET("/api/projects/{project_id}/snapshot", path).then(({ data }) => setSnapshot(data ?? null));
    void api.GET("/api/projects/{project_id}/continuity", path).then(({ data }) => setContinuity(data ?? null));
  }, [projectId, snapshotId, updatedAt]); // read again whenever the project changes
  const finished = useCallback(() => void reload(), [reload]);

  if (error && !project) return <Unavailable message={error} back={{ to: "/projects", label: "Back to the projects" }} />;
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
        {project.status} · {project.stage} · branch {project.branch}
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
              <li key={scene.index} className="scene" aria-label={`Scene ${scene.index}`}>
                <h3>Scene {scene.index}</h3>
                {scene.storyboard_text && <p>{scene.storyboard_text}</p>}
                <p className="chips" aria-label="Characters">
                  {sceneChips(scene.scene_manifest?.asset_tags ?? [], snapshot).map((chip) => (
                    <span key={chip.key} className={`chip${chip.character ? " character" : ""}`}>
                      {chip.label}
                    </span>
                  ))}
                </p>
                {scene.keyframe_url && <img className="keyframe" src={scene.keyframe_url} alt={`Keyframe of scene ${scene.index}`} />}
                {scene.clip_url && <video className="clip" src={scene.clip_url} controls preload="metadata" aria-label={`Clip of scene ${scene.index}`} />}
                {checked && (
                  <p className="scene-continuity">
                    Beat: <ContinuityBadge report={checked.beat?.report} /> Clip: <ContinuityBadge report={checked.chunk?.report} />
                  </p>
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
          <ProcessingPanel manifestId={project.manifest_id} onFinished={finished} onStatus={setRunStatus} />
        </>
      )}
      <BranchTree projectId={project.project_id} />
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
      {["complete", "failed", "stopped"].includes(project.status ?? "") && (!project.manifest_id || snapshot) && (
        <ForkPanel project={project} snapshot={snapshot} />
      )}
    </main>
  );
}
