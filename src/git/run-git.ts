import { type ExecFileException, execFile } from "node:child_process";
import { inheritedVariables } from "../config/process-environment.ts";
import { GitError } from "./git-error.ts";

export interface RunGitOptions {
  cwd: string;
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  /** Written to git's standard input, which is closed afterwards. */
  input?: string | undefined;
  /** Added to the whitelisted environment (which wins on a clash): how
   * a caller hands git a credential out of band, never in argv. */
  env?: Readonly<Record<string, string>> | undefined;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DEFAULT_TIMEOUT_MS = 2 * MINUTE;
const MAX_BUFFER_BYTES = 64 * 1024 * 1024;
const MAX_STDERR_IN_MESSAGE = 2000;

// Flowgate's commits carry one identity, whatever the host's git config
// says, and no hook from a repository or a template ever runs with our
// privileges.
const FIXED_CONFIG = [
  "-c",
  "user.name=Flowgate",
  "-c",
  "user.email=flowgate@localhost",
  "-c",
  "core.hooksPath=/dev/null",
];

/** Runs git (never a shell) and answers its standard output as text. */
export async function runGit(
  args: string[],
  options: RunGitOptions,
): Promise<string> {
  const stdout = await runGitRaw(args, options);
  return stdout.toString("utf8");
}

/** Like runGit, for output that may not be text (file contents). */
export function runGitRaw(
  args: string[],
  options: RunGitOptions,
): Promise<Buffer> {
  const subcommand = subcommandOf(args);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  return new Promise((resolve, reject) => {
    const child = execFile(
      "git",
      [...FIXED_CONFIG, ...args],
      {
        cwd: options.cwd,
        env: { ...options.env, ...gitEnvironment() },
        encoding: "buffer",
        maxBuffer: MAX_BUFFER_BYTES,
        timeout: timeoutMs,
        killSignal: "SIGKILL",
        ...(options.signal ? { signal: options.signal } : {}),
      },
      (error, stdout, stderr) => {
        if (!error) {
          resolve(stdout);
          return;
        }
        const text = stderr.toString("utf8").trim();
        reject(failure(subcommand, error, text, timeoutMs));
      },
    );

    // An open standard input would leave a command that reads it waiting.
    child.stdin?.on("error", () => {
      // git exited before reading all of it; its exit code tells the story.
    });
    child.stdin?.end(options.input ?? "");
  });
}

// The first argument that is neither an option nor the value of -c or -C.
function subcommandOf(args: string[]): string {
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] ?? "";
    if (arg === "-c" || arg === "-C") index += 1;
    else if (!arg.startsWith("-")) return arg;
  }
  return "";
}

/**
 * A whitelist rather than Flowgate's whole environment: our secrets stay
 * out of git's, and GIT_DIR or GIT_INDEX_FILE inherited from a hook that
 * started us cannot point git at another repository.
 */
function gitEnvironment(): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {
    GIT_TERMINAL_PROMPT: "0",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_ASKPASS: "",
    SSH_ASKPASS: "",
    // Messages in one language, so that they read the same in every log.
    LC_ALL: "C",
    ...inheritedVariables(["PATH", "HOME", "TMPDIR", "SYSTEMROOT"]),
  };
  return environment;
}

function failure(
  subcommand: string,
  error: ExecFileException,
  stderr: string,
  timeoutMs: number,
): GitError {
  const exitCode = typeof error.code === "number" ? error.code : undefined;
  const details = { subcommand, stderr, exitCode, cause: error };

  if (error.code === "ENOENT") {
    return new GitError(
      "git was not found on PATH; install git (2.30 or newer)",
      details,
    );
  }
  if (error.name === "AbortError") {
    return new GitError(`git ${subcommand} was aborted`, details);
  }
  if (error.killed && exitCode === undefined) {
    return new GitError(
      `git ${subcommand} did not finish within ${timeoutMs} ms`,
      details,
    );
  }

  const shown =
    stderr.length > MAX_STDERR_IN_MESSAGE
      ? `${stderr.slice(0, MAX_STDERR_IN_MESSAGE)}…`
      : stderr;
  return new GitError(
    `git ${subcommand} failed (exit ${exitCode ?? "?"})` +
      (shown ? `: ${shown}` : ""),
    details,
  );
}
