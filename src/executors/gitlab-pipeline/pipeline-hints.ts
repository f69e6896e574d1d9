const GUIDE = "docs/gitlab-executors.md";

const NEW_TRIGGER_TOKEN =
  "GitLab did not accept the project's pipeline trigger token, or its " +
  "owner may no longer run pipelines there: add a trigger token (the " +
  "project's Settings > CI/CD > Pipeline trigger tokens) and set it " +
  `as the project's forge.pipeline_trigger_token, see ${GUIDE}`;

/** What to do when GitLab refuses to trigger the pipeline: clauses that
 * follow GitLab's message in the run's error. */
export function triggerHints(ref: string) {
  return {
    400:
      `GitLab made no pipeline: the ref "${ref}" may not exist, or no ` +
      "job of .gitlab-ci.yml runs for a trigger (give the agent's job " +
      'the rule `if: $CI_PIPELINE_SOURCE == "trigger"`); set ' +
      `forge.pipeline_ref to the ref that has the job, see ${GUIDE}`,
    401: NEW_TRIGGER_TOKEN,
    403: NEW_TRIGGER_TOKEN,
    404: NEW_TRIGGER_TOKEN,
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
