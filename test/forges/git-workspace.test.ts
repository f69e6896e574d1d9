import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GitWorkspace } from "../../src/forges/git-workspace.ts";
import { WorkspacePathError } from "../../src/forges/workspace-path-error.ts";
import { GitError } from "../../src/git/git-error.ts";
import { runGit } from "../../src/git/run-git.ts";
import { git, makeTempDir } from "./local/forge-fixture.ts";

let root: string;
let outside: string;
let workspace: GitWorkspace;

beforeEach(async () => {
  root = makeTempDir("flowgate-workspace-");
  outside = makeTempDir("flowgate-outside-");
  await git(root, "init", "--quiet", "--initial-branch=main");
  fs.writeFileSync(path.join(root, "README.md"), "# Shop\n");
  await git(root, "add", "--all");
  await git(root, "commit", "--quiet", "-m", "Start");
  workspace = new GitWorkspace(root);
});
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(outside, { recursive: true, force: true });
});

describe("GitWorkspace paths", () => {
  it("writes nested files and reads them back", async () => {
    await workspace.writeFile("src/shop/cart.ts", "export {};\n");

    expect(await workspace.readFile("src/shop/cart.ts")).toBe("export {};\n");
    expect(await workspace.readFile("./src//shop/cart.ts")).toBe(
      "export {};\n",
    );
  });

  it.each([
    "../x",
    "src/../../x",
    "/etc/passwd",
    ".git/config",
    ".GIT/hooks/pre-commit",
    "vendor/lib/.git/config",
    "",
    ".",
  ])("refuses to write %j", async (relativePath) => {
    await expect(workspace.writeFile(relativePath, "x")).rejects.toThrow(
      WorkspacePathError,
    );
  });

  it("refuses to read outside the workspace or inside .git", async () => {
    await expect(workspace.readFile("/etc/passwd")).rejects.toThrow(
      WorkspacePathError,
    );
    await expect(workspace.readFile("../x")).rejects.toThrow(
      WorkspacePathError,
    );
    await expect(workspace.readFile(".git/config")).rejects.toThrow(
      WorkspacePathError,
    );
  });

  it("refuses a directory symlink that points outside", async () => {
    fs.symlinkSync(outside, path.join(root, "escape"));

    const writing = workspace.writeFile("escape/deep/x.txt", "x");

    await expect(writing).rejects.toThrow(WorkspacePathError);
    expect(fs.readdirSync(outside)).toEqual([]);
  });

  it("refuses a file symlink that points outside, for reads and writes", async () => {
    const secret = path.join(outside, "secret.txt");
    fs.writeFileSync(secret, "secret\n");
    fs.symlinkSync(secret, path.join(root, "link.txt"));

    await expect(workspace.writeFile("link.txt", "x")).rejects.toThrow(
      WorkspacePathError,
    );
    await expect(workspace.readFile("link.txt")).rejects.toThrow(
      WorkspacePathError,
    );
    expect(fs.readFileSync(secret, "utf8")).toBe("secret\n");
  });

  it("refuses a symlink that leads into .git", async () => {
    fs.symlinkSync(path.join(root, ".git"), path.join(root, "meta"));

    await expect(workspace.writeFile("meta/config", "x")).rejects.toThrow(
      WorkspacePathError,
    );
  });
});

describe("GitWorkspace git", () => {
  it("lists tracked files", async () => {
    await workspace.writeFile("src/a.ts", "a\n");
    await workspace.commitAll("Add a");

    expect(await workspace.listFiles()).toEqual(["README.md", "src/a.ts"]);
  });

  it("commits changes once and answers null when nothing changed", async () => {
    await workspace.writeFile("notes.md", "notes\n");

    const sha = await workspace.commitAll("-m looks like an option");

    expect(sha).toBe(await workspace.headSha());
    expect(await git(root, "log", "-1", "--format=%s")).toBe(
      "-m looks like an option",
    );
    expect(await workspace.commitAll("again")).toBeNull();
  });

  it("ranks files by how many terms they contain", async () => {
    await workspace.writeFile("src/login.ts", "OAuth login for the session\n");
    await workspace.writeFile("src/session.ts", "session store\n");
    await workspace.writeFile("docs/plans/old.md", "oauth login session\n");
    await workspace.writeFile("src/cart.ts", "cart\n");
    fs.writeFileSync(path.join(root, "logo.bin"), Buffer.from([0, 1, 2]));
    await workspace.commitAll("Files");

    const ranked = await workspace.grep(["oauth", "login", "session"], 10, {
      excludePrefixes: ["docs/plans/"],
    });

    expect(ranked).toEqual(["src/login.ts", "src/session.ts"]);
    expect(await workspace.grep(["session"], 1)).toEqual(["docs/plans/old.md"]);
    expect(await workspace.grep(["--open-files-in-pager=sh"], 5)).toEqual([]);
  });
});

describe("runGit", () => {
  it("fails with a GitError naming the subcommand and git's message", async () => {
    const running = runGit(["rev-parse", "--verify", "no-such-ref"], {
      cwd: root,
    });

    await expect(running).rejects.toThrow(GitError);
    await expect(running).rejects.toThrow(
      /^git rev-parse failed \(exit 128\): fatal: Needed a single revision$/,
    );
    await expect(running).rejects.toHaveProperty("cause");
  });

  it("stops a command when its run is aborted", async () => {
    const running = runGit(["hash-object", "--stdin"], {
      cwd: root,
      signal: AbortSignal.abort(),
      input: "x",
    });

    await expect(running).rejects.toThrow("git hash-object was aborted");
  });
});
