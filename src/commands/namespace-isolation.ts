import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { inheritedVariables } from "../config/process-environment.ts";

/**
 * What a command of one run may see of the data directory: nothing but
 * its own workspace and, for a workspace that is a `git worktree`, the
 * repository it belongs to, read-only (its worktree metadata included:
 * a command that rewrote where it points would redirect Flowgate's own
 * commit after the agent).
 */
export interface IsolationPlan {
  /** The directory hidden whole: Flowgate's data directory. */
  hiddenDir: string;
  workspace: string;
  /** The repository the worktree shares objects and refs with. */
  commonGitDir?: string | undefined;
  /** An empty directory outside `hiddenDir` to stage the mounts in. */
  stageDir: string;
}

// Runs inside a new user, mount and PID namespace, as root of that user
// namespace. Every path and the command come as positional parameters,
// never as script text, so nothing is interpreted by the shell.
//
// The kept directories are bound to the stage first, then a tmpfs covers
// the data directory, then they are bound back at their own paths. The
// workspace's .git is read-only: Flowgate's own git runs there after the
// agent, and must not follow a pointer or a config (core.fsmonitor, say)
// that a command rewrote. The
// command runs inside a second user and mount namespace: mounts copied
// into a namespace owned by a less privileged user namespace are locked,
// so it cannot unmount the tmpfs to see what lies under it. The fresh
// /proc shows only the command's own processes, not Flowgate's (whose
// environ and root would lead back out).
const MOUNT_SCRIPT = `set -eu
hidden=$1 work=$2 common=$3 stage=$4 uid=$5 gid=$6
shift 7
mkdir -p "$stage/work" "$stage/common"
mount --bind "$work" "$stage/work"
if [ -n "$common" ]; then
  mount --bind "$common" "$stage/common"
fi
mount -t tmpfs -o mode=0755,size=1m flowgate-hidden "$hidden"
mkdir -p "$work"
mount --bind "$stage/work" "$work"
if [ -e "$work/.git" ]; then
  mount --bind "$work/.git" "$work/.git"
  mount -o remount,bind,ro "$work/.git"
fi
if [ -n "$common" ]; then
  mkdir -p "$common"
  mount --bind "$stage/common" "$common"
  mount -o remount,bind,ro "$common"
fi
cd "$work"
exec unshare --user --map-user="$uid" --map-group="$gid" --mount -- "$@"
`;

/**
 * The command line that runs `argv` in `plan`'s namespaces; its working
 * directory is the workspace as the namespace shows it. Spawn it with a
 * working directory outside the hidden one (the stage): a working
 * directory under the tmpfs would keep the hidden files reachable
 * through "..".
 */
export function isolatedArgv(
  plan: IsolationPlan,
  argv: readonly string[],
): string[] {
  return [
    "unshare",
    "--user",
    "--map-root-user",
    "--mount",
    "--pid",
    "--fork",
    "--mount-proc",
    // The command and everything it started die with Flowgate's child.
    "--kill-child",
    "--",
    "sh",
    "-c",
    MOUNT_SCRIPT,
    "flowgate-isolation",
    plan.hiddenDir,
    plan.workspace,
    plan.commonGitDir ?? "",
    plan.stageDir,
    String(process.getuid?.() ?? 0),
    String(process.getgid?.() ?? 0),
    "--",
    ...argv,
  ];
}

export type IsolationProbe =
  | { available: true }
  | { available: false; reason: string };

/**
 * Whether this machine can isolate commands: tries the real thing once,
 * on a throw-away data directory holding a secret that the command must
 * not see from its workspace.
 */
export async function probeIsolation(): Promise<IsolationProbe> {
  if (process.platform !== "linux") {
    return { available: false, reason: `the platform is ${process.platform}` };
  }
  let root: string | undefined;
  try {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "flowgate-probe-"));
    const hiddenDir = path.join(root, "data");
    const workspace = path.join(hiddenDir, "workspaces", "probe");
    const stageDir = path.join(root, "stage");
    // Every mount a run's command gets, the read-only one included.
    const commonGitDir = path.join(hiddenDir, "repositories", "probe.git");
    await fs.mkdir(workspace, { recursive: true });
    await fs.mkdir(commonGitDir, { recursive: true });
    await fs.mkdir(stageDir);
    await fs.writeFile(path.join(hiddenDir, "secret"), "probe");
    await fs.writeFile(path.join(workspace, ".git"), "gitdir: probe");
    const plan = { hiddenDir, workspace, commonGitDir, stageDir };
    const argv = isolatedArgv(plan, [
      "sh",
      "-c",
      'test -d . && test ! -e "$1"',
      "probe",
      "../../secret",
    ]);
    await execFileAsync(argv, stageDir);
    return { available: true };
  } catch (error) {
    return { available: false, reason: (error as Error).message };
  } finally {
    if (root) await fs.rm(root, { recursive: true, force: true });
  }
}

function execFileAsync(argv: string[], cwd: string): Promise<void> {
  const [program = "", ...args] = argv;
  return new Promise((resolve, reject) => {
    execFile(
      program,
      args,
      {
        cwd,
        env: { PATH: inheritedVariables(["PATH"]).PATH ?? "/usr/bin:/bin" },
        timeout: 10_000,
      },
      (error, _stdout, stderr) => {
        if (!error) resolve();
        else {
          const said = stderr.trim().split("\n")[0];
          reject(new Error(said || error.message, { cause: error }));
        }
      },
    );
  });
}
