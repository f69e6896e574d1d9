import { expect } from "vitest";
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
