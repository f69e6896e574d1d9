import { useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { requestList } from "../api/client.ts";
import { projectPage } from "../api/paths.ts";
import type { Project } from "../api/types.ts";
import { ErrorMessage } from "../components/error-message.tsx";
import { useLoad } from "../components/use-load.ts";

export function ProjectsPage() {
  const location = useLocation();
  const [wanted, setWanted] = useState("");
  const projects = useLoad(
    () => requestList<Project>("/api/v4/projects", { per_page: 100 }),
    "projects",
  );

  return (
    <section>
      <h1>Projects</h1>
      <ErrorMessage error={projects.error} />
      {projects.data?.items.length === 0 && (
        <p>No project yet: create one with POST /api/v4/projects.</p>
      )}
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault();
          if (wanted.trim()) location.route(projectPage(wanted.trim()));
        }}
      >
        <label>
          Open a project by id or path (GitLab projects: its GitLab id)
          <input
            value={wanted}
            onInput={(event) => setWanted(event.currentTarget.value)}
          />
        </label>
        <button type="submit">Open</button>
      </form>
      <ul class="cards">
        {projects.data?.items.map((project) => (
          <li key={project.id}>
            <a href={projectPage(String(project.id))}>
              {project.path_with_namespace}
            </a>
            <span class="hint">
              {" "}
              {project.forge.type} forge, default branch{" "}
              {project.default_branch}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
