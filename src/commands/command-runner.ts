import fs from "node:fs/promises";
import path from "node:path";
import { commandEnvironment } from "./command-environment.ts";
import {
  type CommandHome,
  createCommandHome,
  removeCommandHome,
} from "./command-home.ts";
import { type IsolationPlan, isolatedArgv } from "./namespace-isolation.ts";
import { type CommandOutcome, runCommand } from "./run-command.ts";

export interface CommandRunnerOptions {
  workspace: string;
  /** The directory to hide from commands (the data directory), when the
   * machine can isolate them; undefined runs them unisolated. */
  hiddenDir: string | undefined;
}

export interface CommandLimits {
  timeoutMs: number;
  maxOutputBytes: number;
  signal?: AbortSignal | undefined;
}

/**
 * Runs the allowed commands of one run: each with the run's own empty
 * HOME and temp directories, and, where the machine allows, inside
 * namespaces that hide the data directory but the run's workspace.
 * Close it when the run ends, to remove what the commands left.
 */
export class CommandRunner {
  readonly #workspace: string;
  readonly #home: CommandHome;
  readonly #plan: IsolationPlan | undefined;

  private constructor(
    workspace: string,
    home: CommandHome,
    plan: IsolationPlan | undefined,
  ) {
    this.#workspace = workspace;
    this.#home = home;
    this.#plan = plan;
  }

  static async open(options: CommandRunnerOptions): Promise<CommandRunner> {
    const home = await createCommandHome();
    if (options.hiddenDir === undefined) {
      return new CommandRunner(options.workspace, home, undefined);
    }
    const stageDir = path.join(home.root, "stage");
    await fs.mkdir(stageDir, { mode: 0o700 });
    // Read now, before any command could rewrite the workspace's .git.
    const git = await worktreeGitDirs(options.workspace, options.hiddenDir);
    return new CommandRunner(options.workspace, home, {
      hiddenDir: options.hiddenDir,
      workspace: options.workspace,
      stageDir,
      ...git,
    });
  }

  get isolated(): boolean {
    return this.#plan !== undefined;
  }

  run(argv: readonly string[], limits: CommandLimits): Promise<CommandOutcome> {
    const env = commandEnvironment(this.#home);
    // TODO: unisolated, a command can rewrite the workspace's .git (its
    // gitdir pointer, or core.fsmonitor in a clone's config), which the
    // workflow's commit after the agent then follows with Flowgate's
    // environment. That commit should check the git directory it expects
    // and run with core.fsmonitor off.
    if (!this.#plan) {
      return runCommand(argv, { ...limits, cwd: this.#workspace, env });
    }
    return runCommand(isolatedArgv(this.#plan, argv), {
      ...limits,
      cwd: this.#plan.stageDir,
      env,
    });
  }

  close(): Promise<void> {
    return removeCommandHome(this.#home);
  }
}

/**
 * For a workspace that is a `git worktree` of a repository inside the
 * hidden directory: the repository, which holds the worktree's own git
 * directory, so that git can read it inside the namespace. Only paths
 * git itself wrote, and only a repository strictly inside a subdirectory
 * of the hidden one (never the hidden directory or a parent of the
 * workspace).
 */
async function worktreeGitDirs(
  workspace: string,
  hiddenDir: string,
): Promise<{ commonGitDir?: string }> {
  const pointer = await fs
    .readFile(path.join(workspace, ".git"), "utf8")
    .catch(() => undefined);
  const match = pointer?.match(/^gitdir: (.+)$/m);
  if (!match?.[1]) return {};
  const gitDir = path.resolve(workspace, match[1].trim());
  const common = await fs
    .readFile(path.join(gitDir, "commondir"), "utf8")
    .catch(() => undefined);
  if (common === undefined) return {};
  const commonGitDir = path.resolve(gitDir, common.trim());

  const inside = (parent: string, child: string) =>
    child.startsWith(`${parent}${path.sep}`);
  const depth = path.relative(hiddenDir, commonGitDir).split(path.sep).length;
  const safe =
    inside(hiddenDir, commonGitDir) &&
    depth >= 2 &&
    inside(commonGitDir, gitDir) &&
    !inside(commonGitDir, workspace) &&
    !inside(workspace, commonGitDir);
  return safe ? { commonGitDir } : {};
}
