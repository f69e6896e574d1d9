import { useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { requestList } from "../api/client.ts";
import { projectPage } from "../api/paths.ts";
import { currentSession } from "../api/session.ts";
import type { Project } from "../api/types.ts";
import { ErrorMessage } from "../components/error-message.tsx";
import { useLoad } from "../components/use-load.ts";

export function ProjectsPage() {
  const location = useLocation();
  const [wanted, setWanted] = useState("");
  // Listing the instance's projects is the admin's: the API answers a
  // GitLab session 401, which would end the session. A GitLab user
  // opens a project by path or id instead.
  const admin = currentSession()?.user.kind === "admin";
  const projects = useLoad(
    () =>
      admin
        ? requestList<Project>("/api/v4/projects", { per_page: 100 })
        : Promise.resolve(undefined),
    `projects ${admin}`,
  );

  return (
    <section>
      <h1>Projects</h1>
      <ErrorMessage error={projects.error} />
      {!admin && (
        <p>
          Signed in with a GitLab token, you see the projects you may see in
          GitLab: open one by its path (group/project) or GitLab id.
        </p>
      )}
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
