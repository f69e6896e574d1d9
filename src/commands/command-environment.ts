/**
 * The whole environment a command of the agent gets. A whitelist, never
 * process.env: Flowgate's own variables (admin token, secret key, model
 * key) and anything else the operator exported stay out of reach of a
 * program the model chose to run.
 */
export function commandEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {
    // Test runners see a non-interactive run and print no colours.
    CI: "true",
    NO_COLOR: "1",
    LC_ALL: "C.UTF-8",
    GIT_TERMINAL_PROMPT: "0",
    GIT_CONFIG_NOSYSTEM: "1",
  };
  for (const name of ["PATH", "HOME", "TMPDIR", "SYSTEMROOT"]) {
    const value = env[name];
    if (value !== undefined) environment[name] = value;
  }
  return environment;
}
