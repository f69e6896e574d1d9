import { expect, it } from "vitest";
import { readConfig } from "../../src/config/read-config.ts";
import { buildPrompt } from "../../src/executors/agent/prompt/build-prompt.ts";
import type { ExecutionInput } from "../../src/executors/executor.ts";
import type { GitWorkspace } from "../../src/forges/git-workspace.ts";
import { defaultWorkflow } from "../../src/workflows/default-workflow.ts";
import { workspaceWith } from "./workspace-fixture.ts";

const config = readConfig({});

function inputFor(workspace: GitWorkspace): ExecutionInput {
  return {
    runId: 1,
    workspace,
    signal: new AbortController().signal,
    ticket: {
      workflowType: "developer",
      title: "Export invoices as CSV",
      description: "The invoice list needs a CSV export.",
      externalReference: "MAP-1",
      externalUrl: undefined,
      externalSystem: "generic",
      context: { acceptance_criteria: ["One row per invoice"] },
    },
    followUps: [],
    previousSummary: undefined,
  };
}

async function promptOf(files: Record<string, string>) {
  const { workspace, remove } = await workspaceWith(files);
  try {
    const workflow = defaultWorkflow("developer", {
      model: config.model,
      budgets: config.agentBudgets,
    });
    const [system, user] = await buildPrompt(inputFor(workspace), {
      ...workflow,
      allowedCommands: ["npm test"],
    });
    const text =
      user?.role === "user" && user.content[0]?.type === "text"
        ? user.content[0].text
        : "";
    return {
      system: system?.role === "system" ? system.content : "",
      map: text.slice(0, text.indexOf("# The ticket (untrusted data)")),
    };
  } finally {
    remove();
  }
}

it("maps the repository for the model: its tree, its README and the files most related to the ticket", async () => {
  const { map } = await promptOf({
    "README.md": "# Shop\n\nREADMEMARK: how the shop works.\n",
    "src/invoices/export.ts": "// invoices export\nexport const csv = 1;\n",
    "src/cart.ts": "let cart = [];\n",
    "test/cart.test.ts": "it('works', () => {});\n",
  });

  expect(map).toContain("## Files (4)");
  expect(map).toContain("src/cart.ts");
  expect(map).toContain("## README.md\n\n# Shop");
  expect(map).toContain("READMEMARK");
  expect(map).toContain("## Files most related to the ticket");
  expect(map).toContain("- src/invoices/export.ts");
  expect(map).not.toContain("- src/cart.ts");
  expect(map).toContain("### src/invoices/export.ts (first lines)");
  expect(map).toContain("export const csv = 1;");
});

it("keeps the map within its budget: directories counted instead of listed, a long README cut", async () => {
  const files: Record<string, string> = {
    "README.md": `# Big\n\n${"A line of the long README.\n".repeat(1000)}`,
  };
  for (let index = 0; index < 250; index += 1) {
    files[`packages/module-${index}/src/invoice-${index}.ts`] =
      `// invoice ${index}\n${"export const value = 1;\n".repeat(80)}`;
  }
  const { map } = await promptOf(files);

  const tree = map.slice(
    map.indexOf("## Files (251)"),
    map.indexOf("## README"),
  );
  expect(tree).toContain("packages/ (250)");
  expect(tree).not.toContain("packages/module-0/src/invoice-0.ts");
  expect(map).toContain("[…cut]");
  // About 6,000 tokens: the map's own budget, with its headings.
  expect(map.length).toBeLessThan(24_000 + 1_000);
  expect(map).toContain("## Files most related to the ticket");
});

it("tells the model the acceptance criteria are the definition of done, and to add tests where the repository has them", async () => {
  const withTests = await promptOf({
    "src/cart.ts": "export const cart = [];\n",
    "src/cart.test.ts": "it('works', () => {});\n",
  });
  const withoutTests = await promptOf({
    "src/cart.ts": "export const cart = [];\n",
  });

  expect(withTests.system).toContain(
    "Definition of done: every item of the ticket's acceptance_criteria holds.",
  );
  expect(withTests.system).toContain(
    "This repository has tests: add or update tests",
  );
  expect(withTests.system).toContain(
    "You may run these commands with run_command, and only these: npm test.",
  );
  expect(withoutTests.system).toContain("This repository has no tests yet");
  expect(withoutTests.system).not.toContain("This repository has tests:");
});
