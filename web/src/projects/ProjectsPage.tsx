import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { problemOf } from "../api/answers";
import { GenerateForm } from "./GenerateForm";
import { projectsQuery } from "./queries";
import { ErrorNote } from "../ui/ErrorNote";
import { PROJECT_STAGE, PROJECT_STATUS } from "../ui/words";

export function ProjectsPage() {
  const { data: projects, error } = useQuery(projectsQuery);
  return (
    <main>
      <h1>Projects</h1>
      <h2>New project</h2>
      <GenerateForm />
      <h2>Your projects</h2>
      <ErrorNote message={problemOf(error)} />
      {projects?.length === 0 && <p className="empty-note">No projects yet: write a prompt above, pick a manifest so its characters stay the same in every shot, and Generate.</p>}
      <ul className="projects" aria-label="Projects">
        {(projects ?? []).map((p) => (
          <li key={p.project_id}>
            <Link to={`/projects/${p.project_id}`}>{p.title || p.prompt}</Link>
            <span className="meta">
              {" "}
              · {PROJECT_STATUS[p.status ?? "pending"] ?? p.status} · {PROJECT_STAGE[p.stage ?? ""] ?? p.stage} · {p.branch}
              {p.parent_project_id && " · fork"}
            </span>
          </li>
        ))}
      </ul>
    </main>
  );
}
