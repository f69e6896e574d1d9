import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { GitWorkspace } from "../../src/forges/git-workspace.ts";
import { runGit } from "../../src/git/run-git.ts";

/** A git repository holding `files`, committed, as a run's workspace. */
export async function workspaceWith(
  files: Record<string, string | Buffer>,
): Promise<{ workspace: GitWorkspace; remove(): void }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flowgate-workspace-"));
  await runGit(["init", "--quiet", "--initial-branch=main"], { cwd: dir });
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  }
  await runGit(["add", "--all"], { cwd: dir });
  await runGit(["commit", "--quiet", "--allow-empty", "-m", "start"], {
    cwd: dir,
  });
  return {
    workspace: new GitWorkspace(dir),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
