import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAnthropicFake } from "../fakes/fake-anthropic.ts";
import type { FakeModelServer } from "../fakes/fake-model-server.ts";
import { startOpenAiFake } from "../fakes/fake-openai.ts";
import {
  BOT_TOKEN,
  formsOf,
  type GitLabWorld,
  registerOnFlowgate,
  startGitLabWorld,
} from "../forges/gitlab/gitlab-fixture.ts";
import type { TestServer } from "../helpers/test-server.ts";
import { INSTANCE_KEY, runTicket, startAgentServer } from "./agent-fixture.ts";

const TRIGGER_KEY = "sk-trigger-own-model-key-9876543210";
const PROVIDER_TOKEN = "jira-api-token-PROVIDERSECRET-31337";
const SECRET_KEY = Buffer.alloc(32, 9).toString("base64");
const ENV_PROBE = 'node -e "process.stdout.write(JSON.stringify(process.env))"';

const MARKERS = {
  title: "TITLEMARK7f3",
  description: "DESCMARK9c1",
  criterion: "CRITMARK2b8",
  context: "CTXMARK5d4",
};

let server: TestServer;
let world: GitLabWorld;
const fakes: Record<string, FakeModelServer> = {};
const saved = { ...process.env };

beforeAll(async () => {
  server = await startAgentServer({
    FLOWGATE_MODEL_API_KEY: INSTANCE_KEY,
    FLOWGATE_SECRET_KEY: SECRET_KEY,
  });
  fakes["openai-compatible"] = await startOpenAiFake(TRIGGER_KEY);
  fakes.anthropic = await startAnthropicFake(TRIGGER_KEY);
  world = await startGitLabWorld();
  // What an operator might have exported: a command must not see it.
  process.env.FLOWGATE_ADMIN_TOKEN = server.adminToken;
  process.env.FLOWGATE_MODEL_API_KEY = INSTANCE_KEY;
  process.env.FLOWGATE_SECRET_KEY = SECRET_KEY;
});
afterAll(async () => {
  process.env = saved;
  await server.close();
  for (const fake of Object.values(fakes)) await fake.close();
  await world.close();
});

describe.each(["openai-compatible", "anthropic"] as const)(
  "a run with the %s model",
  (kind) => {
    it("sends the model no secret, and the ticket's text only inside the untrusted block", async () => {
      const fake = fakes[kind] as FakeModelServer;
      fake.requests.length = 0;
      const project = await server.createProject();
      const trigger = await server.createTrigger(project.id, {
        model: {
          kind,
          name: "model-test",
          base_url: `${fake.url}/v1`,
          api_key: TRIGGER_KEY,
        },
        credentials: {
          base_url: "https://acme.example",
          api_token: PROVIDER_TOKEN,
        },
        allowed_commands: [ENV_PROBE],
      });
      fake.reply(
        {
          toolCalls: [
            { name: "run_command", arguments: { command: ENV_PROBE } },
          ],
        },
        { toolCalls: [{ name: "list_files", arguments: {} }] },
        { text: "Nothing to change." },
      );

      const run = await runTicket(server, project.id, trigger, {
        external_reference: `SECRET-${kind}`,
        title: `Add the ${MARKERS.title} banner`,
        description: `Show ${MARKERS.description} on the home page.`,
        context: {
          acceptance_criteria: [`The ${MARKERS.criterion} banner shows`],
          team: MARKERS.context,
        },
      });

      expect(run.status, run.error).toBe("succeeded");
      expect(fake.requests).toHaveLength(3);
      // The command ran, with an environment of its own.
      expect(fake.requests[1]?.body).toContain("PATH");
      expect(fake.requests[1]?.body).toContain("NO_COLOR");

      const secrets = [
        trigger.token,
        trigger.signing_secret,
        trigger.signing_secret.replace(/^whsec_/, ""),
        server.adminToken,
        PROVIDER_TOKEN,
        INSTANCE_KEY,
        SECRET_KEY,
      ];
      for (const request of fake.requests) {
        const everything = JSON.stringify(request.headers) + request.body;
        for (const secret of secrets) {
          expect(everything).not.toContain(secret);
        }
        expect(JSON.stringify(systemOf(kind, request.json))).not.toMatch(
          /MARK/,
        );
        for (const marker of Object.values(MARKERS)) {
          expect(request.body).toContain(marker);
          for (const at of positions(request.body, marker)) {
            expect(insideUntrustedBlock(request.body, at)).toBe(true);
          }
        }
      }
    });
  },
);

it("never sends the model the GitLab token of a project on GitLab, even when the repository holds it", async () => {
  const fake = fakes["openai-compatible"] as FakeModelServer;
  fake.requests.length = 0;
  const project = await world.project({
    files: {
      "README.md": "# shop\n",
      // Someone committed the bot's token: read_file hands it over.
      "deploy/gitlab.env": `GITLAB_TOKEN=${BOT_TOKEN}\n`,
    },
  });
  await registerOnFlowgate(server, world, project);
  const created = await server.admin(
    "POST",
    `/api/v4/projects/${project.id}/workflows/triggers`,
    {
      source: "generic",
      model: {
        kind: "openai-compatible",
        name: "model-test",
        base_url: `${fake.url}/v1`,
        api_key: TRIGGER_KEY,
      },
      allowed_commands: [ENV_PROBE],
    },
  );
  expect(created.status).toBe(201);
  const trigger = created.body;
  fake.reply(
    {
      toolCalls: [
        { name: "read_file", arguments: { path: "deploy/gitlab.env" } },
        { name: "run_command", arguments: { command: ENV_PROBE } },
        { name: "read_file", arguments: { path: ".git/config" } },
      ],
    },
    { text: "Looked around." },
  );

  const run = await runTicket(server, project.id, trigger, {
    external_reference: "GL-SECRET",
    title: "Check the deployment",
  });

  expect(run.status, run.error).toBe("succeeded");
  expect(run.merge_request.web_url).toContain(world.fake.url);
  expect(fake.requests).toHaveLength(2);
  expect(fake.requests[1]?.body).toContain("GITLAB_TOKEN=[redacted]");
  const secrets = [
    ...formsOf(BOT_TOKEN),
    trigger.token,
    trigger.signing_secret,
  ];
  for (const request of fake.requests) {
    const everything = JSON.stringify(request.headers) + request.body;
    for (const secret of secrets) expect(everything).not.toContain(secret);
  }
});

function systemOf(kind: string, json: any): unknown {
  return kind === "anthropic"
    ? json.system
    : json.messages.filter((message: any) => message.role === "system");
}

function positions(text: string, needle: string): number[] {
  const found: number[] = [];
  for (
    let at = text.indexOf(needle);
    at >= 0;
    at = text.indexOf(needle, at + 1)
  ) {
    found.push(at);
  }
  return found;
}

/** Between a <<<BEGIN …>>> line and the <<<END …>>> with the same nonce. */
function insideUntrustedBlock(text: string, at: number): boolean {
  const blocks = text.matchAll(
    /<<<BEGIN (UNTRUSTED-TICKET-DATA-[0-9a-f]+)>>>[\s\S]*?<<<END \1>>>/g,
  );
  for (const block of blocks) {
    const start = block.index ?? 0;
    if (at > start && at < start + block[0].length) return true;
  }
  return false;
}
