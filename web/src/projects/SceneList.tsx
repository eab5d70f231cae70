import type { Schemas } from "../api/client";
import type { Person } from "../manifest";
import { SceneCard } from "./SceneCard";

/** The project's scenes, each with its continuity on the project's own branch. */
export function SceneList({
  project,
  snapshot,
  continuity,
  people,
}: {
  project: Schemas["ProjectDetail"];
  snapshot: Schemas["SnapshotOut"] | null;
  continuity: Schemas["ProjectContinuity"] | null;
  people: Map<string, Person>;
}) {
  const checked = new Map((continuity?.scenes ?? []).filter((s) => s.branch === project.branch).map((s) => [s.scene_index, s]));
  return (
    <section aria-label="Scenes">
      <h2>Scenes</h2>
      {project.scenes.length === 0 && <p className="empty-note">No scenes yet: the pipeline records them as it goes.</p>}
      <ol className="scenes">
        {project.scenes.map((scene) => (
          <SceneCard
            key={scene.index}
            projectId={project.project_id}
            snapshotId={project.snapshot_id ?? null}
            scene={scene}
            checked={checked.get(scene.index)}
            snapshot={snapshot}
            people={people}
          />
        ))}
      </ol>
    </section>
  );
}
