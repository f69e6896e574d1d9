import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "vitest";
import { runGit } from "../../src/git/run-git.ts";
import {
  type CreatedTrigger,
  deliver,
  signGeneric,
  startTestServer,
  type TestServer,
} from "../helpers/test-server.ts";

export const INSTANCE_KEY = "sk-instance-model-key-0123456789";

/** A server whose model calls may go to fakes on loopback. */
export function startAgentServer(
  env: Record<string, string> = {},
): Promise<TestServer> {
  return startTestServer({
    env: { FLOWGATE_OUTBOUND_ALLOW_PRIVATE: "true", ...env },
  });
}

export interface Ticket {
  external_reference: string;
  title: string;
  description?: string;
  workflow_type?: string;
  context?: Record<string, unknown>;
}

/** Sends a signed ticket and waits for its run to end. */
export async function runTicket(
  server: TestServer,
  projectId: number,
  trigger: CreatedTrigger,
  ticket: Ticket,
): Promise<Record<string, any>> {
  const answer = await deliver(
    server,
    projectId,
    signGeneric(trigger.signing_secret, ticket, { token: trigger.token }),
  );
  expect(answer.status, JSON.stringify(answer.body)).toBe(202);
  return server.waitForRun(projectId, answer.body.id);
}

export async function fileAt(
  server: TestServer,
  projectId: number,
  ref: string,
  filePath: string,
): Promise<string | undefined> {
  const response = await fetch(
    `${server.url}/api/v4/projects/${projectId}/repository/files/` +
      `${encodeURIComponent(filePath)}/raw?ref=${encodeURIComponent(ref)}`,
    { headers: { authorization: `Bearer ${server.adminToken}` } },
  );
  return response.status === 200 ? response.text() : undefined;
}

export async function mergeRequestOf(
  server: TestServer,
  projectId: number,
  run: Record<string, any>,
): Promise<Record<string, any>> {
  const answer = await server.admin(
    "GET",
    `/api/v4/projects/${projectId}/merge_requests/${run.merge_request.iid}`,
  );
  expect(answer.status).toBe(200);
  return answer.body;
}

export async function transcriptOf(
  server: TestServer,
  projectId: number,
  runId: number,
): Promise<Record<string, any>[]> {
  const answer = await server.admin(
    "GET",
    `/api/v4/projects/${projectId}/workflows/runs/${runId}/transcript?per_page=100`,
  );
  expect(answer.status).toBe(200);
  return answer.body;
}

export function stepOf(run: Record<string, any>, name: string) {
  return run.events.find((event: { name: string }) => event.name === name);
}

let imported = 0;

/**
 * A project imported from a fresh git repository holding `files`, and
 * symbolic links named by `links` (link path → target).
 */
export async function createProjectFrom(
  server: TestServer,
  files: Record<string, string>,
  links: Record<string, string> = {},
): Promise<{ id: number; path: string }> {
  imported += 1;
  const source = fs.mkdtempSync(path.join(os.tmpdir(), "flowgate-source-"));
  await runGit(["init", "--quiet", "--initial-branch=main"], { cwd: source });
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(source, file)), { recursive: true });
    fs.writeFileSync(path.join(source, file), content);
  }
  for (const [link, target] of Object.entries(links)) {
    fs.symlinkSync(target, path.join(source, link));
  }
  await runGit(["add", "--all"], { cwd: source });
  await runGit(["commit", "--quiet", "-m", "start"], { cwd: source });
  const created = await server.admin("POST", "/api/v4/projects", {
    path: `acme/imported-${imported}`,
    import_path: source,
  });
  // The import copied the repository: its source is no longer needed.
  fs.rmSync(source, { recursive: true, force: true });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body;
}
