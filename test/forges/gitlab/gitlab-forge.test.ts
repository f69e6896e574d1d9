import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ForgeProject } from "../../../src/forges/forge.ts";
import { ForgeNotFoundError } from "../../../src/forges/forge-not-found-error.ts";
import { GitLabError } from "../../../src/forges/gitlab/gitlab-api.ts";
import { GitLabForge } from "../../../src/forges/gitlab/gitlab-forge.ts";
import { runGit } from "../../../src/git/run-git.ts";
import { OutboundRefusedError } from "../../../src/outbound/outbound-errors.ts";
import {
  createOutboundHttp,
  type OutboundHttp,
} from "../../../src/outbound/outbound-http.ts";
import type { FakeGitLabProject } from "../../fakes/gitlab/repository-routes.ts";
import {
  BOT_TOKEN,
  formsOf,
  type GitLabWorld,
  outsideAuthHeaders,
  REPORTER_TOKEN,
  requestsFor,
  startGitLabWorld,
  UNKNOWN_TOKEN,
} from "./gitlab-fixture.ts";

// The GitLab forge against the fake GitLab: real git over smart HTTP
// (git http-backend), real REST calls through the outbound client.

let world: GitLabWorld;
let http: OutboundHttp;
let scratch: string;
let dirs = 0;
const workDir = () => path.join(scratch, `run-${++dirs}`);

beforeAll(async () => {
  world = await startGitLabWorld();
  http = createOutboundHttp({ allowPrivate: true, allowedHosts: [] });
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "gitlab-forge-"));
});
afterAll(async () => {
  await http.close();
  await world.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

function forgeOf(project: FakeGitLabProject, token = BOT_TOKEN) {
  return new GitLabForge(
    {
      baseUrl: world.fake.url,
      projectId: project.id,
      projectPath: project.path,
      token,
    },
    http,
  );
}

function asForgeProject(project: FakeGitLabProject): ForgeProject {
  return {
    id: project.id,
    path: project.path,
    defaultBranch: project.defaultBranch,
  };
}

/** Checks out `branch`, commits one file and pushes it. */
async function pushedBranch(project: FakeGitLabProject, branch: string) {
  const forge = forgeOf(project);
  const { workspace } = await forge.checkout(
    asForgeProject(project),
    workDir(),
    branch,
  );
  await workspace.writeFile("docs/plan.md", `# ${branch}\n`);
  await workspace.commitAll(`${branch}: plan`);
  await forge.push(workspace, branch);
  return { forge, workspace };
}

function expectNoToken(text: string, token = BOT_TOKEN) {
  for (const form of formsOf(token)) expect(text).not.toContain(form);
}

describe("checkout and push over git's smart HTTP", () => {
  it("creates the branch from the default branch and pushes it to GitLab", async () => {
    const project = await world.project();
    const forge = forgeOf(project);

    const checkout = await forge.checkout(
      asForgeProject(project),
      workDir(),
      "ai/PROJ-1-export",
    );
    expect(checkout.branchCreated).toBe(true);
    expect(
      await world.repositories.branchSha(project.id, "ai/PROJ-1-export"),
    ).toBeUndefined();

    const { workspace } = checkout;
    expect(await workspace.listFiles()).toEqual(["README.md"]);
    await workspace.writeFile("docs/plan.md", "# plan\n");
    const sha = await workspace.commitAll("PROJ-1: Export");
    await forge.push(workspace, "ai/PROJ-1-export");

    expect(
      await world.repositories.branchSha(project.id, "ai/PROJ-1-export"),
    ).toBe(sha);
  });

  it("checks out GitLab's branch on a retry, and pushing it again changes nothing", async () => {
    const project = await world.project();
    const { workspace: first } = await pushedBranch(project, "ai/PROJ-2");
    const pushed = await first.headSha();

    const forge = forgeOf(project);
    const again = await forge.checkout(
      asForgeProject(project),
      workDir(),
      "ai/PROJ-2",
    );
    expect(again.branchCreated).toBe(false);
    expect(await again.workspace.headSha()).toBe(pushed);
    expect(await again.workspace.commitAll("nothing new")).toBeNull();

    await forge.push(again.workspace, "ai/PROJ-2");
    expect(await world.repositories.branchSha(project.id, "ai/PROJ-2")).toBe(
      pushed,
    );
    expect(await world.repositories.branches(project.id)).toEqual([
      "ai/PROJ-2",
      "main",
    ]);
  });

  it("says there is nothing to start from when GitLab lacks the default branch", async () => {
    const project = await world.project();
    const checkout = forgeOf(project).checkout(
      { ...asForgeProject(project), defaultBranch: "develop" },
      workDir(),
      "ai/PROJ-3",
    );
    await expect(checkout).rejects.toThrow(ForgeNotFoundError);
    await expect(checkout).rejects.toThrow(/no branch develop on GitLab/);
  });
});

describe("the outbound policy, before git connects", () => {
  // The fake listens on plain http at 127.0.0.1, which a policy without
  // FLOWGATE_OUTBOUND_ALLOW_PRIVATE refuses.
  const strictForge = (project: FakeGitLabProject, strict: OutboundHttp) =>
    new GitLabForge(
      {
        baseUrl: world.fake.url,
        projectId: project.id,
        projectPath: project.path,
        token: BOT_TOKEN,
      },
      strict,
    );

  it("refuses to clone from an instance the policy does not allow", async () => {
    const project = await world.project();
    const strict = createOutboundHttp({
      allowPrivate: false,
      allowedHosts: [],
    });
    try {
      const before = requestsFor(world, project).length;
      const dir = workDir();

      const error = await strictForge(project, strict)
        .checkout(asForgeProject(project), dir, "ai/PROJ-9-refused")
        .catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(OutboundRefusedError);
      expect((error as Error).message).toMatch(/^git clone .* refused/);
      expect(fs.existsSync(dir)).toBe(false);
      expect(requestsFor(world, project).length).toBe(before);
    } finally {
      await strict.close();
    }
  });

  it("refuses to push to an instance the policy does not allow", async () => {
    const project = await world.project();
    const { workspace } = await forgeOf(project).checkout(
      asForgeProject(project),
      workDir(),
      "ai/PROJ-10-refused",
    );
    await workspace.writeFile("docs/plan.md", "# plan\n");
    await workspace.commitAll("PROJ-10: plan");
    const strict = createOutboundHttp({
      allowPrivate: false,
      allowedHosts: [],
    });
    try {
      await expect(
        strictForge(project, strict).push(workspace, "ai/PROJ-10-refused"),
      ).rejects.toThrow(/^git push .* refused/);

      expect(
        await world.repositories.branchSha(project.id, "ai/PROJ-10-refused"),
      ).toBeUndefined();
    } finally {
      await strict.close();
    }
  });
});

describe("the token, out of band", () => {
  const logFile = () => path.join(scratch, "git-argv.log");
  let savedPath: string | undefined;

  // A `git` first on PATH that writes down its arguments, then runs the
  // real one: what the forge gives git is seen as the system sees it.
  beforeAll(async () => {
    const realGit = (await runGit(["--exec-path"], { cwd: scratch })).trim();
    const bin = path.join(scratch, "bin");
    fs.mkdirSync(bin);
    fs.writeFileSync(
      path.join(bin, "git"),
      `#!/bin/sh\nprintf '%s ' "$@" >> '${logFile()}'\n` +
        `echo >> '${logFile()}'\nexec '${realGit}/git' "$@"\n`,
      { mode: 0o755 },
    );
    savedPath = process.env.PATH;
    process.env.PATH = `${bin}${path.delimiter}${savedPath ?? ""}`;
  });
  afterAll(() => {
    process.env.PATH = savedPath;
  });

  it("puts the token in neither git's arguments nor the workspace's remote URL or config", async () => {
    const project = await world.project();
    const { workspace } = await pushedBranch(project, "ai/PROJ-4");

    const argv = fs.readFileSync(logFile(), "utf8");
    expect(argv).toContain(" clone --quiet --depth=50 --no-tags ");
    const sha = await workspace.headSha();
    expect(argv).toContain(
      ` push --quiet ${world.fake.url}/${project.path}.git ` +
        `${sha}:refs/heads/ai/PROJ-4`,
    );
    // Whatever a repository's configuration says, no proxy and no helper.
    expect(argv).toContain(
      "-c http.proxy= -c http.sslVerify=true -c credential.helper= push ",
    );
    expectNoToken(argv);

    const remote = await runGit(["config", "--get", "remote.origin.url"], {
      cwd: workspace.dir,
    });
    expect(remote.trim()).toBe(`${world.fake.url}/${project.path}.git`);
    expectNoToken(
      fs.readFileSync(path.join(workspace.dir, ".git", "config"), "utf8"),
    );
  });

  it("sends the token only in the Authorization header, as Basic credentials", async () => {
    const project = await world.project();
    await pushedBranch(project, "ai/PROJ-5");

    const gitRequests = world.fake.requests.filter((request) =>
      request.path.startsWith(`/${project.path}.git/`),
    );
    expect(gitRequests.map((request) => request.path)).toEqual(
      expect.arrayContaining([
        expect.stringContaining("info/refs?service=git-upload-pack"),
        expect.stringContaining("git-receive-pack"),
      ]),
    );
    const basic = Buffer.from(`oauth2:${BOT_TOKEN}`).toString("base64");
    for (const request of gitRequests) {
      expect(request.headers.authorization).toBe(`Basic ${basic}`);
      expectNoToken(outsideAuthHeaders(request));
    }
  });
});

describe("what GitLab's refusals of git mean", () => {
  it("says the token is wrong, expired or revoked on a 401, without printing it", async () => {
    const project = await world.project();
    const failure = await forgeOf(project, UNKNOWN_TOKEN)
      .checkout(asForgeProject(project), workDir(), "ai/PROJ-6")
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(GitLabError);
    const error = failure as GitLabError;
    expect(error.status).toBe(401);
    expect(error.message).toMatch(/token .*wrong, expired or revoked/);
    expectNoToken(describeError(error), UNKNOWN_TOKEN);
  });

  it("names the scope and role a push needs on a 403", async () => {
    const project = await world.project();
    const forge = forgeOf(project, REPORTER_TOKEN);
    const { workspace } = await forge.checkout(
      asForgeProject(project),
      workDir(),
      "ai/PROJ-7",
    );
    await workspace.writeFile("a.txt", "a\n");
    await workspace.commitAll("PROJ-7: a");

    const failure = await forge
      .push(workspace, "ai/PROJ-7")
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(GitLabError);
    expect((failure as GitLabError).status).toBe(403);
    expect((failure as GitLabError).message).toMatch(
      /api scope .*Developer role/,
    );
    expectNoToken(describeError(failure as Error), REPORTER_TOKEN);
    expect(await world.repositories.branches(project.id)).toEqual(["main"]);
  });

  it("says to check the path and membership on a 404", async () => {
    const project = await world.project();
    const failure = await forgeOf(project)
      .checkout(
        { ...asForgeProject(project), path: "gitlab-org/renamed" },
        workDir(),
        "ai/PROJ-8",
      )
      .catch((error: unknown) => error);
    expect((failure as GitLabError).status).toBe(404);
    expect((failure as GitLabError).message).toMatch(
      /path_with_namespace .*member/,
    );
  });

  it("marks a failed push as transient and leaves GitLab's branch alone", async () => {
    const project = await world.project();
    const forge = forgeOf(project);
    const { workspace } = await forge.checkout(
      asForgeProject(project),
      workDir(),
      "ai/PROJ-9",
    );
    await workspace.writeFile("a.txt", "a\n");
    await workspace.commitAll("PROJ-9: a");
    world.fake.fault(
      { method: "POST", path: /\/git-receive-pack$/ },
      { status: 500 },
    );

    const failure = await forge
      .push(workspace, "ai/PROJ-9")
      .catch((error: unknown) => error);
    expect((failure as GitLabError).status).toBe(500);
    expect((failure as GitLabError).transient).toBe(true);
    expect(await world.repositories.branches(project.id)).toEqual(["main"]);

    await forge.push(workspace, "ai/PROJ-9");
    expect(await world.repositories.branches(project.id)).toEqual([
      "ai/PROJ-9",
      "main",
    ]);
  });
});

describe("merge requests through GitLab's REST API", () => {
  const input = (branch: string) => ({
    title: "PROJ-10: Export invoices",
    description: "Closes [PROJ-10](https://jira.example.com/browse/PROJ-10)",
    sourceBranch: branch,
    targetBranch: "main",
    externalReference: "PROJ-10",
    runId: 1,
    labels: ["ai", "flowgate"],
  });

  it("opens a draft by its title, with the labels, in GitLab's shape and URL", async () => {
    const project = await world.project();
    const { forge } = await pushedBranch(project, "ai/PROJ-10");

    const opened = await forge.openMergeRequest(
      asForgeProject(project),
      input("ai/PROJ-10"),
    );
    expect(opened).toMatchObject({
      iid: 1,
      project_id: project.id,
      title: "Draft: PROJ-10: Export invoices",
      source_branch: "ai/PROJ-10",
      target_branch: "main",
      state: "opened",
      draft: true,
      labels: ["ai", "flowgate"],
      web_url: `${world.fake.url}/${project.path}/-/merge_requests/1`,
      merged_at: null,
    });
    const sent = world.fake.requests.findLast(
      (request) => request.method === "POST",
    );
    expect(sent?.json).toMatchObject({ labels: "ai,flowgate" });
  });

  it("answers the open merge request when GitLab says one exists (409)", async () => {
    const project = await world.project();
    const { forge } = await pushedBranch(project, "ai/PROJ-11");
    const first = await forge.openMergeRequest(
      asForgeProject(project),
      input("ai/PROJ-11"),
    );

    const second = await forge.openMergeRequest(
      asForgeProject(project),
      input("ai/PROJ-11"),
    );
    expect(second.iid).toBe(first.iid);
    const creates = world.fake.requests.filter(
      (request) =>
        request.method === "POST" &&
        request.path === `/api/v4/projects/${project.id}/merge_requests`,
    );
    expect(creates).toHaveLength(2);
    expect(mergeRequestsOf(project)).toHaveLength(1);
  });

  it("finds the merge request a lost answer made, without opening another", async () => {
    const project = await world.project();
    const { forge } = await pushedBranch(project, "ai/PROJ-12");
    world.fake.fault(
      { method: "POST", path: /\/merge_requests$/ },
      { reset: true, afterWork: true },
    );

    const opened = await forge.openMergeRequest(
      asForgeProject(project),
      input("ai/PROJ-12"),
    );
    expect(opened.source_branch).toBe("ai/PROJ-12");
    expect(mergeRequestsOf(project)).toHaveLength(1);
  });

  it("passes on a 500 that made nothing, for the run to retry", async () => {
    const project = await world.project();
    const { forge } = await pushedBranch(project, "ai/PROJ-13");
    world.fake.fault(
      { method: "POST", path: /\/merge_requests$/ },
      { status: 500 },
    );

    const failure = await forge
      .openMergeRequest(asForgeProject(project), input("ai/PROJ-13"))
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(GitLabError);
    expect((failure as GitLabError).status).toBe(500);
    expect(mergeRequestsOf(project)).toHaveLength(0);
  });

  it("finds the open merge request of a branch, and none of another", async () => {
    const project = await world.project();
    const { forge } = await pushedBranch(project, "ai/PROJ-14");
    const opened = await forge.openMergeRequest(
      asForgeProject(project),
      input("ai/PROJ-14"),
    );

    const found = await forge.findOpenMergeRequest(
      asForgeProject(project),
      "ai/PROJ-14",
    );
    expect(found).toEqual(opened);
    expect(
      await forge.findOpenMergeRequest(asForgeProject(project), "ai/other"),
    ).toBeUndefined();
    const query = world.fake.requests.findLast(
      (request) => request.method === "GET",
    );
    expect(query?.path).toContain("source_branch=ai%2Fother&state=opened");
  });

  it("replaces a merge request's description", async () => {
    const project = await world.project();
    const { forge } = await pushedBranch(project, "ai/PROJ-15");
    const opened = await forge.openMergeRequest(
      asForgeProject(project),
      input("ai/PROJ-15"),
    );

    const updated = await forge.updateMergeRequestDescription(
      asForgeProject(project),
      opened.iid,
      "Follow-up: also PDF",
    );
    expect(updated.description).toBe("Follow-up: also PDF");
    expect(mergeRequestsOf(project)[0]?.description).toBe(
      "Follow-up: also PDF",
    );
  });

  it("says what GitLab refused when the token's user is only a Reporter", async () => {
    const project = await world.project();
    await pushedBranch(project, "ai/PROJ-16");
    const failure = await forgeOf(project, REPORTER_TOKEN)
      .openMergeRequest(asForgeProject(project), input("ai/PROJ-16"))
      .catch((error: unknown) => error);
    expect((failure as GitLabError).status).toBe(403);
    expect((failure as GitLabError).message).toMatch(/Developer role/);
  });
});

describe("repository files through the raw files API", () => {
  it("reads a file's bytes at a ref, and nothing for a missing file", async () => {
    const workflows = "workflows:\n  developer:\n    labels: [ai]\n";
    const project = await world.project({
      files: { "README.md": "# shop\n", ".flowgate/workflows.yml": workflows },
    });
    const forge = forgeOf(project);

    const bytes = await forge.readRepositoryFile(
      asForgeProject(project),
      "main",
      ".flowgate/workflows.yml",
    );
    expect(bytes?.toString("utf8")).toBe(workflows);
    expect(world.fake.requests.at(-1)?.path).toBe(
      `/api/v4/projects/${project.id}/repository/files/` +
        ".flowgate%2Fworkflows.yml/raw?ref=main",
    );
    expect(
      await forge.readRepositoryFile(asForgeProject(project), "main", "nope"),
    ).toBeUndefined();
    expect(
      await forge.readRepositoryFile(
        asForgeProject(project),
        "no-such-branch",
        "README.md",
      ),
    ).toBeUndefined();
  });

  it("says the token is refused when GitLab answers 401", async () => {
    const project = await world.project();
    const read = forgeOf(project, UNKNOWN_TOKEN).readRepositoryFile(
      asForgeProject(project),
      "main",
      "README.md",
    );
    await expect(read).rejects.toThrow(/wrong, expired or revoked/);
  });
});

function mergeRequestsOf(project: FakeGitLabProject) {
  return world.fake.state.mergeRequests.filter(
    (mergeRequest) => mergeRequest.project_id === project.id,
  );
}

/** Everything an error would show in a log: messages, git's stderr and
 * its causes. */
function describeError(error: Error): string {
  const parts: string[] = [];
  for (let current: unknown = error; current instanceof Error; ) {
    parts.push(current.message, current.stack ?? "");
    if ("stderr" in current) parts.push(String(current.stderr));
    current = current.cause;
  }
  return parts.join("\n");
}
