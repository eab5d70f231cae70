import { useCallback } from "react";
import { Link } from "react-router";
import { api, type Schemas } from "../api/client";
import { errorMessage } from "../api/errors";
import { useServer } from "../manifest/useServer";
import { GenerateForm } from "./GenerateForm";
import { ErrorNote } from "../ui/ErrorNote";

type Project = Schemas["ProjectOut"];

export function ProjectsPage() {
  const read = useCallback(async () => {
    const { data, error, response } = await api.GET("/api/projects");
    return data ? { data } : { message: errorMessage(error, response.status) };
  }, []);
  const { data: projects, error } = useServer<Project[]>(read, () => false);
  return (
    <main>
      <h1>Projects</h1>
      <h2>New project</h2>
      <GenerateForm />
      <h2>Your projects</h2>
      <ErrorNote message={error} />
      {projects?.length === 0 && <p className="empty-note">No projects yet.</p>}
      <ul className="projects" aria-label="Projects">
        {(projects ?? []).map((p) => (
          <li key={p.project_id}>
            <Link to={`/projects/${p.project_id}`}>{p.title || p.prompt}</Link>
            <span className="meta">
              {" "}
              · {p.status} · {p.stage} · {p.branch}
              {p.parent_project_id && " · fork"}
            </span>
          </li>
        ))}
      </ul>
    </main>
  );
}
