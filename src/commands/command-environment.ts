import { inheritedVariables } from "../config/process-environment.ts";
import type { CommandHome } from "./command-home.ts";

// Where programs are, and (on Windows) where the system is: nothing else
// of Flowgate's environment reaches a command.
const INHERITED = ["PATH", "SYSTEMROOT"] as const;

/**
 * The whole environment a command of the agent gets. A whitelist, never
 * Flowgate's whole environment: its own variables (admin token, secret
 * key, model key) and anything else the operator exported stay out of reach of a
 * program the model chose to run. HOME and the temp and XDG directories
 * are the run's own empty ones, not Flowgate's user's.
 */
export function commandEnvironment(
  home: CommandHome,
  env: Readonly<Record<string, string | undefined>> = inheritedVariables(
    INHERITED,
  ),
): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {
    // Test runners see a non-interactive run and print no colours.
    CI: "true",
    NO_COLOR: "1",
    LC_ALL: "C.UTF-8",
    GIT_TERMINAL_PROMPT: "0",
    GIT_CONFIG_NOSYSTEM: "1",
    HOME: home.home,
    TMPDIR: home.tmp,
    XDG_CONFIG_HOME: home.config,
    XDG_CACHE_HOME: home.cache,
    XDG_DATA_HOME: home.data,
    XDG_STATE_HOME: home.state,
    XDG_RUNTIME_DIR: home.tmp,
  };
  for (const name of INHERITED) {
    const value = env[name];
    if (value !== undefined) environment[name] = value;
  }
  return environment;
}
