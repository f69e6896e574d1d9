import { requestJson } from "../api/client.ts";
import { projectApi, projectPage } from "../api/paths.ts";
import type { Project } from "../api/types.ts";
import { useLoad } from "./use-load.ts";

const SECTIONS = [
  ["runs", "Runs"],
  ["deliveries", "Deliveries"],
  ["triggers", "Triggers"],
  ["audit", "Audit log"],
] as const;

/**
 * The sections of one project, named by its path (the id, as in the
 * URL, until the project has loaded); the current one is marked for
 * readers.
 */
export function ProjectNav(props: { projectId: string; current: string }) {
  const project = useLoad(
    () => requestJson<Project>(projectApi(props.projectId)),
    props.projectId,
  );
  return (
    <nav class="project-nav" aria-label="Project sections">
      <span class="project-name">
        {project.data?.path_with_namespace ?? `Project ${props.projectId}`}
      </span>
      <ul>
        {SECTIONS.map(([page, label]) => (
          <li key={page}>
            <a
              href={projectPage(props.projectId, page)}
              aria-current={props.current === page ? "page" : undefined}
            >
              {label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
