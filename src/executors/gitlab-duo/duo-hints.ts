const GUIDE = "docs/gitlab-executors.md";

/** What to do when GitLab refuses a Duo call, by status: clauses that
 * follow GitLab's message and the client's hint in the run's error. */
export function duoHints(workflowDefinition: string) {
  return {
    400:
      "for a flow, check the trigger's workflows.<type>.gitlab_duo " +
      `(workflow_definition "${workflowDefinition}", agent_privileges), ` +
      `see ${GUIDE}`,
    401:
      "a flow is started with the project's forge.token, which needs " +
      `the api scope, see ${GUIDE}`,
    403:
      "for a flow, the token's user needs a GitLab Duo seat (the Duo " +
      "Agent Platform, on Premium or Ultimate), the Developer role in the " +
      "project, GitLab Duo and flows turned on for the project's group, " +
      `and the "${workflowDefinition}" flow enabled, a service account ` +
      `too; retry the run once they are, see ${GUIDE}`,
    404:
      "or this instance has no Flows API (the Duo Agent Platform): check " +
      `the project's GitLab id and the instance's version, see ${GUIDE}`,
    422:
      `GitLab refused the flow "${workflowDefinition}" or its input: ` +
      "check workflow_definition and agent_privileges in the trigger's " +
      `workflows.<type>.gitlab_duo, see ${GUIDE}`,
  };
}
