// Where things live: the admin API of a project, and the dashboard's own
// client routes (all under the base the server serves the app at).

export const DASHBOARD = "/-/dashboard";

export function projectApi(projectId: string): string {
  return `/api/v4/projects/${encodeURIComponent(projectId)}`;
}

export function workflowsApi(projectId: string): string {
  return `${projectApi(projectId)}/workflows`;
}

export function projectPage(projectId: string, page = "runs"): string {
  return `${DASHBOARD}/projects/${encodeURIComponent(projectId)}/${page}`;
}
