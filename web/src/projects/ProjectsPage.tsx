import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { problemOf } from "../api/answers";
import { GenerateForm } from "./GenerateForm";
import { projectsQuery } from "./queries";
import { projectTitle } from "./title";
import { ErrorNote } from "../ui/ErrorNote";
import { Opener } from "../ui/Opener";
import { PROJECT_STAGE, projectStatus } from "../ui/words";

/** The caller's projects, each by its first frame; a new project is one line away ("New project"),
 * open at once when there is none yet. */
export function ProjectsPage() {
  const { data: projects, error } = useQuery(projectsQuery);
  return (
    <main>
      <h1>Projects</h1>
      {/* Mounted once the list is read (or could not be): open for a first project, folded over others. */}
      {(projects || error) && (
        <Opener label="New film" open={!projects?.length}>
          <GenerateForm />
        </Opener>
      )}
      <ErrorNote message={problemOf(error)} />
      {projects?.length === 0 && <p className="empty-note">No films yet: pick a manifest so its characters stay the same in every shot, write a prompt (@ names them), and make the film.</p>}
      <ul className="project-cards" aria-label="Projects">
        {(projects ?? []).map((p) => {
          const title = projectTitle(p);
          return (
            <li key={p.project_id}>
              {p.cover_url ? (
                <img className="cover" src={p.cover_url} alt={`${title}: its first frame`} loading="lazy" />
              ) : (
                <span className="cover empty">No frame yet</span>
              )}
              <Link to={`/projects/${p.project_id}`}>{title}</Link>
              <span className="meta">
                {projectStatus(p)} · {PROJECT_STAGE[p.stage ?? ""] ?? p.stage} · {p.branch}
                {p.parent_project_id && " · fork"}
              </span>
            </li>
          );
        })}
      </ul>
    </main>
  );
}
