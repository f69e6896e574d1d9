import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { probeIsolation } from "../../src/commands/namespace-isolation.ts";
import type { FakeModelServer } from "../fakes/fake-model-server.ts";
import { startOpenAiFake } from "../fakes/fake-openai.ts";
import type { TestServer } from "../helpers/test-server.ts";
import {
  createProjectFrom,
  runTicket,
  startAgentServer,
  transcriptOf,
} from "./agent-fixture.ts";

// A script the model writes: it reads the data directory's secrets
// through the workspace's parents, as any allowed command could.
const PROBE = `
const fs = require("node:fs");
for (const file of ["../../admin-token", "../../secret.key"]) {
  try { console.log(file, "=", fs.readFileSync(file, "utf8").trim()); }
  catch (error) { console.log(file, "!", error.code); }
}
`;

let server: TestServer;
let fake: FakeModelServer;
const isolation = await probeIsolation();

beforeAll(async () => {
  // No FLOWGATE_SECRET_KEY nor FLOWGATE_ADMIN_TOKEN: both are generated
  // into the data directory, where a command could look for them.
  server = await startAgentServer();
  fake = await startOpenAiFake(undefined);
});
afterAll(async () => {
  await server.close();
  await fake.close();
});

function readDataFile(name: string): string {
  return fs.readFileSync(path.join(server.dataDir, name), "utf8").trim();
}

it("keeps the data directory's admin token and secret key from a model whose script reads them", async () => {
  const adminToken = readDataFile("admin-token");
  const secretKey = readDataFile("secret.key");
  expect(adminToken).toBe(server.adminToken);
  const project = await server.createProject();
  const trigger = await server.createTrigger(project.id, {
    model: {
      kind: "openai-compatible",
      name: "gpt-test",
      base_url: `${fake.url}/v1`,
    },
    allowed_commands: ["node probe.js"],
  });
  fake.requests.length = 0;
  fake.reply(
    {
      toolCalls: [
        { name: "write_file", arguments: { path: "probe.js", content: PROBE } },
      ],
    },
    {
      toolCalls: [
        { name: "run_command", arguments: { command: "node probe.js" } },
      ],
    },
    { text: "Probed." },
  );

  const run = await runTicket(server, project.id, trigger, {
    external_reference: "LEAK-1",
    title: "Read the secrets",
  });

  expect(run.status, run.error).toBe("succeeded");
  expect(fake.requests).toHaveLength(3);
  const answer = toolResultOf(fake.requests[2]?.json);
  expect(answer).toContain("$ node probe.js");
  for (const request of fake.requests) {
    expect(request.body).not.toContain(adminToken);
    expect(request.body).not.toContain(secretKey);
  }
  if (isolation.available) {
    // The files are not there for the command to read at all.
    expect(answer).toContain("../../admin-token ! ENOENT");
    expect(answer).toContain("../../secret.key ! ENOENT");
  } else {
    // Read, but redacted before the model saw them.
    expect(answer).toContain("../../admin-token = [redacted]");
    expect(answer).toContain("../../secret.key = [redacted]");
  }
});

it("redacts a known secret that a repository file hands a tool, before the model and in the transcript", async () => {
  const providerToken = "jira-api-token-COMMITTED-4711-xyz";
  const project = await createProjectFrom(server, {
    "README.md": "# Shop\n",
    "deploy/jira.env": `JIRA_TOKEN=${providerToken}\n`,
  });
  const trigger = await server.createTrigger(project.id, {
    model: {
      kind: "openai-compatible",
      name: "gpt-test",
      base_url: `${fake.url}/v1`,
    },
    credentials: {
      base_url: "https://acme.example",
      api_token: providerToken,
    },
  });
  fake.requests.length = 0;
  fake.reply(
    {
      toolCalls: [
        { name: "read_file", arguments: { path: "deploy/jira.env" } },
      ],
    },
    { text: "Read it." },
  );

  const run = await runTicket(server, project.id, trigger, {
    external_reference: "LEAK-2",
    title: "Look at the deployment settings",
  });

  expect(run.status, run.error).toBe("succeeded");
  expect(toolResultOf(fake.requests[1]?.json)).toContain(
    "JIRA_TOKEN=[redacted]",
  );
  for (const request of fake.requests) {
    expect(request.body).not.toContain(providerToken);
  }
  const transcript = await transcriptOf(server, project.id, run.id);
  const read = transcript.find((entry) => entry.kind === "tool_call");
  expect(read?.details.output).toContain("JIRA_TOKEN=[redacted]");
  expect(JSON.stringify(transcript)).not.toContain(providerToken);
});

/** The text of the last tool result in an OpenAI chat request. */
function toolResultOf(json: any): string {
  const results = json.messages.filter((m: any) => m.role === "tool");
  return String(results.at(-1)?.content ?? "");
}
