import { useCallback } from "react";
import { Link } from "react-router";
import { api, type Schemas } from "../api/client";
import { errorMessage } from "../api/errors";
import { useServer } from "../manifest/useServer";
import { branchTree } from "./branches";
import { ErrorNote } from "../ui/ErrorNote";

/** A project's checkpoints as the tree of its branches (main -> main-1 -> main-1-1). */
export function BranchTree({ projectId }: { projectId: string }) {
  const read = useCallback(async () => {
    const { data, error, response } = await api.GET("/api/projects/{project_id}/checkpoints", {
      params: { path: { project_id: projectId } },
    });
    return data ? { data } : { message: errorMessage(error, response.status) };
  }, [projectId]);
  const { data, error } = useServer<Schemas["CheckpointOut"][]>(read, () => false);
  if (error) return <ErrorNote message={error} />;
  const tree = branchTree(data ?? []);
  return (
    <section aria-label="Checkpoints">
      <h2>Checkpoints</h2>
      {tree.length === 0 && <p className="empty-note">No checkpoints yet.</p>}
      <ul className="branches">
        {tree.map((branch) => (
          <li key={branch.name} style={{ marginLeft: `${branch.depth * 1.5}rem` }} aria-label={`Branch ${branch.name}`}>
            <strong>{branch.name}</strong>{" "}
            {branch.checkpoints.length === 0 && <span className="note">opened: waiting for the pipeline</span>}
            {branch.checkpoints.map((c) => (
              <Link key={c.checkpoint_id} className="chip" to={`/checkpoints/${c.checkpoint_id}`}>
                {c.phase}. {c.phase_name} · {c.status}
                {c.edited ? " · edited" : ""}
              </Link>
            ))}
          </li>
        ))}
      </ul>
    </section>
  );
}
