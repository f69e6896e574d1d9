import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GitLabForge } from "../../../src/forges/gitlab/gitlab-forge.ts";
import { runGit } from "../../../src/git/run-git.ts";
import {
  createOutboundHttp,
  type OutboundHttp,
} from "../../../src/outbound/outbound-http.ts";
import {
  type RecordingProxy,
  startRecordingProxy,
} from "../../fakes/recording-proxy.ts";
import {
  BOT_TOKEN,
  type GitLabWorld,
  startGitLabWorld,
} from "./gitlab-fixture.ts";

// The push runs after the agent's allowed commands, which run repository
// code that can write the workspace's .git/config. Whatever it writes
// there must not redirect or weaken the connection that carries the
// token: the push ignores the workspace's configuration.

let world: GitLabWorld;
let http: OutboundHttp;
let proxy: RecordingProxy;
let scratch: string;

beforeAll(async () => {
  world = await startGitLabWorld();
  http = createOutboundHttp({ allowPrivate: true, allowedHosts: [] });
  proxy = await startRecordingProxy();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "gitlab-push-"));
});
afterAll(async () => {
  await http.close();
  await proxy.close();
  await world.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** A GitLab project, and a workspace of it with one commit to push. */
async function committedWorkspace(name: string) {
  const project = await world.project();
  const forge = new GitLabForge(
    {
      baseUrl: world.fake.url,
      projectId: project.id,
      projectPath: project.path,
      token: BOT_TOKEN,
    },
    http,
  );
  const { workspace } = await forge.checkout(
    {
      id: project.id,
      path: project.path,
      defaultBranch: project.defaultBranch,
    },
    path.join(scratch, name),
    `ai/${name}`,
  );
  await workspace.writeFile("a.txt", "a\n");
  const sha = await workspace.commitAll(`${name}: a`);
  const configure = async (key: string, value: string) => {
    await runGit(["config", key, value], { cwd: workspace.dir });
  };
  return { project, forge, workspace, sha, configure };
}

describe("a push from a workspace whose .git/config was tampered with", () => {
  it("does not go through the http.proxy the repository's code set", async () => {
    const { project, forge, workspace, sha, configure } =
      await committedWorkspace("TAMPER-1");
    await configure("http.proxy", proxy.url);
    await configure(`http.${world.fake.url}/.proxy`, proxy.url);
    await configure(
      `http.${world.fake.url}/${project.path}.git.proxy`,
      proxy.url,
    );

    await forge.push(workspace, "ai/TAMPER-1");

    expect(proxy.requests).toEqual([]);
    expect(await world.repositories.branchSha(project.id, "ai/TAMPER-1")).toBe(
      sha,
    );
  });

  it("runs no credential helper and follows no rewritten or extra push URL", async () => {
    const { project, forge, workspace, sha, configure } =
      await committedWorkspace("TAMPER-2");
    const helperLog = path.join(scratch, "helper-env.txt");
    await configure("credential.helper", `!f() { env > '${helperLog}'; }; f`);
    await configure("remote.origin.proxy", proxy.url);
    await configure("remote.origin.pushurl", `${proxy.url}/stolen.git`);
    await configure(`url.${proxy.url}/.pushInsteadOf`, `${world.fake.url}/`);
    await configure("http.sslVerify", "false");

    await forge.push(workspace, "ai/TAMPER-2");

    expect(proxy.requests).toEqual([]);
    expect(fs.existsSync(helperLog)).toBe(false);
    expect(await world.repositories.branchSha(project.id, "ai/TAMPER-2")).toBe(
      sha,
    );
  });
});
