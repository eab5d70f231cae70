import { Link } from "react-router";
import type { Schemas } from "../api/client";
import { ContinuityBadge, FrameFaces } from "../continuity";
import type { Person } from "../manifest";
import { counted } from "../ui/words";
import { sceneChips } from "./characters";
import { ScenePack } from "./ScenePack";

type Checked = Schemas["SceneContinuity"] | undefined;

/** A scene: its picture, storyboard, the characters it asks for, its continuity and where to open
 * its beats and clips, and (when it names anyone) the references a video model gets for it. */
export function SceneCard(props: {
  projectId: string;
  snapshotId: string | null;
  scene: Schemas["Scene"];
  checked: Checked;
  snapshot: Schemas["SnapshotOut"] | null;
  people: Map<string, Person>;
}) {
  const { projectId, snapshotId, scene, checked, snapshot, people } = props;
  return (
    <li className="scene" aria-label={`Scene ${counted(scene.index)}`}>
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
          Beat: <ContinuityBadge report={checked.beat?.report} people={people} /> Clip: <ContinuityBadge report={checked.chunk?.report} people={people} />
        </p>
      )}
      {checked && (
        <p className="scene-links">
          {checked.beat && <Link to={`/checkpoints/${checked.beat.checkpoint_id}`}>Open its beats</Link>}{" "}
          {checked.chunk && <Link to={`/checkpoints/${checked.chunk.checkpoint_id}`}>Open its clips</Link>}
        </p>
      )}
      {snapshotId && scene.packable && <ScenePack projectId={projectId} sceneIndex={scene.index} snapshotId={snapshotId} />}
    </li>
  );
}

/** A scene's picture: its latest beat with the faces its check named, else its clip, else the
 * pipeline's keyframe or clip; none yet says so. */
function SceneFrame({ scene, checked }: { scene: Schemas["Scene"]; checked: Checked }) {
  const n = counted(scene.index);
  if (checked?.beat?.media_url) return <FrameFaces src={checked.beat.media_url} alt={`Scene ${n}, its latest beat`} report={checked.beat.report} />;
  const clip = checked?.chunk?.media_url ?? scene.clip_url;
  if (clip) return <video className="clip" src={clip} controls preload="metadata" aria-label={`Clip of scene ${n}`} />;
  if (scene.keyframe_url) return <img className="keyframe" src={scene.keyframe_url} alt={`Keyframe of scene ${n}`} />;
  return <div className="keyframe no-frame">No frame yet</div>;
}
