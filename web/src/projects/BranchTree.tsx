import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { problemOf } from "../api/answers";
import { checkpointsQuery } from "./queries";
import { branchTree } from "./branches";
import { ErrorNote } from "../ui/ErrorNote";

/** A project's checkpoints as the tree of its branches (main -> main-1 -> main-1-1). */
export function BranchTree({ projectId }: { projectId: string }) {
  const { data, error } = useQuery(checkpointsQuery(projectId));
  if (error) return <ErrorNote message={problemOf(error)} />;
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
