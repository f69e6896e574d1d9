const GUIDE = "docs/gitlab-executors.md";

/** What to do when GitLab refuses to create the pipeline: clauses that
 * follow GitLab's message in the run's error. */
export function createHints(ref: string) {
  return {
    400:
      `GitLab made no pipeline: the ref "${ref}" may not exist, or no ` +
      "job of .gitlab-ci.yml runs for a pipeline made through the API " +
      '(give the agent\'s job the rule `if: $CI_PIPELINE_SOURCE == "api"`); ' +
      `set forge.pipeline_ref to the ref that has the job, see ${GUIDE}`,
    401:
      "pipelines are created with the project's forge.token, which " +
      `needs the api scope: give the project a new one, see ${GUIDE}`,
    403:
      "the forge.token's user must be allowed to run pipelines on " +
      `"${ref}" (the Developer role, and merge or push rights when the ` +
      `branch is protected), see ${GUIDE}`,
    404:
      "check the project's GitLab id and that the forge.token's user " +
      `is a member, see ${GUIDE}`,
  };
}

/** What to do when GitLab refuses to show the pipeline or its merge
 * request to the project's token. */
export const readHints = {
  401:
    "pipelines and merge requests are read with the project's " +
    `forge.token, which needs the read_api or api scope, see ${GUIDE}`,
  403:
    "the token's user must be able to read the project's pipelines and " +
    `merge requests (the Developer role), see ${GUIDE}`,
  404:
    "check the project's GitLab id and that the token's user is a " +
    `member, see ${GUIDE}`,
};
