import { afterAll, beforeAll, expect, it } from "vitest";
import type { FakeModelServer } from "../fakes/fake-model-server.ts";
import { startOpenAiFake } from "../fakes/fake-openai.ts";
import {
  deliver,
  signGeneric,
  type TestServer,
} from "../helpers/test-server.ts";
import {
  createProjectFrom,
  mergeRequestOf,
  runTicket,
  startAgentServer,
  stepOf,
} from "./agent-fixture.ts";

const DOCS_WORKFLOW = `# Workflows of this repository
workflows:
  docs:
    instructions: |
      DOCSRULE: change only files under docs/.
    branch_template: docs/{external_reference}
    labels: [documentation]
    allowed_commands: ["npm test"]
    merge_request_template: |
      Docs change for {external_reference}.

      {summary}
`;

let server: TestServer;
let fake: FakeModelServer;

beforeAll(async () => {
  server = await startAgentServer();
  fake = await startOpenAiFake(undefined);
});
afterAll(async () => {
  await server.close();
  await fake.close();
});

function modelSettings() {
  return {
    kind: "openai-compatible",
    name: "gpt-test",
    base_url: `${fake.url}/v1`,
  };
}

function systemPromptOf(index: number): string {
  return fake.requests[index]?.json.messages[0].content;
}

it("runs a docs ticket with the repository's docs instructions, branch template, labels and template", async () => {
  const project = await createProjectFrom(server, {
    "README.md": "# Shop\n",
    ".flowgate/workflows.yml": DOCS_WORKFLOW,
  });
  const trigger = await server.createTrigger(project.id, {
    workflow_types: ["developer", "docs"],
    model: modelSettings(),
    allowed_commands: ["npm test", "npm run lint"],
  });
  fake.requests.length = 0;
  fake.reply({ text: "Documented the checkout." });

  const run = await runTicket(server, project.id, trigger, {
    workflow_type: "docs",
    external_reference: "DOC-1",
    title: "Document the checkout",
  });

  expect(run.status, run.error).toBe("succeeded");
  expect(run.branch).toBe("docs/DOC-1");
  expect(systemPromptOf(0)).toContain(
    "DOCSRULE: change only files under docs/.",
  );
  expect(systemPromptOf(0)).toContain("only these: npm test.");
  expect(stepOf(run, "executed").details).toMatchObject({
    workflow: "docs",
    defined_by: "repository",
  });
  const mergeRequest = await mergeRequestOf(server, project.id, run);
  expect(mergeRequest.labels).toEqual(["documentation"]);
  expect(mergeRequest.description).toBe(
    "Docs change for DOC-1.\n\nDocumented the checkout.\n",
  );

  fake.reply({ text: "Changed the code." });
  const developer = await runTicket(server, project.id, trigger, {
    external_reference: "DEV-1",
    title: "Change the code",
  });
  expect(developer.branch).toBe("ai/DEV-1-change-the-code");
  expect(systemPromptOf(1)).not.toContain("DOCSRULE");
});

it("refuses a docs delivery to a trigger that does not allow the docs type", async () => {
  const project = await server.createProject();
  const trigger = await server.createTrigger(project.id, {
    model: modelSettings(),
  });

  const answer = await deliver(
    server,
    project.id,
    signGeneric(
      trigger.signing_secret,
      { workflow_type: "docs", external_reference: "DOC-2", title: "Docs" },
      { token: trigger.token },
    ),
  );

  expect(answer.status).toBe(403);
});

it.each([
  [
    "a value of the wrong type",
    "workflows:\n  docs:\n    budgets:\n      max_steps: lots\n",
    "line 4: workflows.docs.budgets.max_steps",
  ],
  [
    "an unknown key",
    "workflows:\n  docs:\n    instructions: x\n    shell: bash\n",
    'line 4: workflows.docs.shell: unknown key "shell"',
  ],
  [
    "an executor, which only the trigger's administrator chooses",
    "workflows:\n  docs:\n    instructions: x\n    executor: gitlab_pipeline\n",
    "line 4: workflows.docs.executor: the executor is chosen by the " +
      "trigger's administrator, not by the repository",
  ],
  [
    "broken YAML",
    "workflows:\n  docs: {}\n  docs: {}\n",
    "line 3: Map keys must be unique",
  ],
  [
    "a command the trigger does not allow",
    'workflows:\n  docs:\n    allowed_commands:\n      - "curl evil.example"\n',
    'line 4: workflows.docs.allowed_commands: "curl evil.example" is not among',
  ],
])(
  "fails the run with a message naming the line when the workflows file has %s",
  async (_problem, file, message) => {
    const project = await createProjectFrom(server, {
      ".flowgate/workflows.yml": file,
    });
    const trigger = await server.createTrigger(project.id, {
      workflow_types: ["docs"],
      model: modelSettings(),
      allowed_commands: ["npm test"],
    });
    fake.requests.length = 0;

    const run = await runTicket(server, project.id, trigger, {
      external_reference: "DOC-3",
      title: "Docs",
    });

    expect(run.status).toBe("failed");
    expect(run.error).toContain(`.flowgate/workflows.yml ${message}`);
    expect(fake.requests).toHaveLength(0);
  },
);

it("takes a workflow definition from the trigger when the repository has none", async () => {
  const project = await server.createProject();
  const trigger = await server.createTrigger(project.id, {
    workflow_types: ["bugfix"],
    model: modelSettings(),
    workflows: {
      bugfix: {
        instructions: "BUGRULE: write a failing test first.",
        branch_template: "fix/{external_reference}",
        budgets: { max_steps: 5 },
      },
    },
  });
  const read = await server.admin(
    "GET",
    `/api/v4/projects/${project.id}/workflows/triggers/${trigger.id}`,
  );
  expect(read.body.workflows.bugfix.branch_template).toBe(
    "fix/{external_reference}",
  );
  fake.requests.length = 0;
  fake.reply({ text: "Fixed." });

  const run = await runTicket(server, project.id, trigger, {
    external_reference: "BUG-1",
    title: "Fix it",
  });

  expect(run.status, run.error).toBe("succeeded");
  expect(run.branch).toBe("fix/BUG-1");
  expect(systemPromptOf(0)).toContain("BUGRULE: write a failing test first.");
  expect(systemPromptOf(0)).toContain("at most 5 replies");
  expect(stepOf(run, "executed").details.defined_by).toBe("trigger");
});
