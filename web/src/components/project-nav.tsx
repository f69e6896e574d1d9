import { projectPage } from "../api/paths.ts";

const SECTIONS = [
  ["runs", "Runs"],
  ["deliveries", "Deliveries"],
  ["triggers", "Triggers"],
  ["audit", "Audit log"],
] as const;

/** The sections of one project; the current one is marked for readers. */
export function ProjectNav(props: { projectId: string; current: string }) {
  return (
    <nav class="project-nav" aria-label="Project sections">
      <span class="project-name">Project {props.projectId}</span>
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
