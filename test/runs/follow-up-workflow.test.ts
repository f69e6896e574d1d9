import path from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type {
  ExecutionInput,
  ExecutionResult,
  Executor,
} from "../../src/executors/executor.ts";
import type { Project } from "../../src/projects/project.ts";
import { runDeveloperWorkflow } from "../../src/runs/developer-workflow.ts";
import {
  createForgeFixture,
  FIXED_NOW,
  type ForgeFixture,
} from "../forges/local/forge-fixture.ts";

/** Records what it was given; `during` runs while it "works". */
class RecordingExecutor implements Executor {
  readonly name = "agent";
  readonly calls: ExecutionInput[] = [];
  during: (call: number) => Promise<void> = async () => {};

  async execute(input: ExecutionInput): Promise<ExecutionResult> {
    this.calls.push(input);
    await input.workspace.writeFile(
      `notes/round-${this.calls.length}.md`,
      input.followUps.map((f) => f.instruction).join("\n"),
    );
    await this.during(this.calls.length);
    return { summary: `summary ${this.calls.length}`, complete: true };
  }
}

describe("the workflow and follow-up instructions", () => {
  let fixture: ForgeFixture;
  let project: Project;
  let executor: RecordingExecutor;

  beforeEach(async () => {
    fixture = await createForgeFixture();
    project = {
      ...fixture.project,
      forgeType: "local",
      forgeConfig: "{}",
      createdAt: "",
    };
    executor = new RecordingExecutor();
  });
  afterEach(async () => fixture.close());

  const db = () => fixture.store.db;

  async function addRun(reference = "SHOP-1") {
    const row = await db()
      .insertInto("runs")
      .values({
        project_id: project.id,
        trigger_id: null,
        workflow_type: "developer",
        executor: "agent",
        external_system: "jira",
        external_reference: reference,
        external_url: null,
        title: "Export invoices",
        description: "As PDF",
        context: "{}",
        status: "running",
        branch: null,
        merge_request_iid: null,
        error: null,
        received_at: FIXED_NOW.toISOString(),
        verified_at: FIXED_NOW.toISOString(),
        admission: "{}",
        created_at: FIXED_NOW.toISOString(),
        started_at: null,
        finished_at: null,
        summary: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return row;
  }

  async function addFollowUp(runId: number, instruction: string) {
    await db()
      .insertInto("run_follow_ups")
      .values({
        run_id: runId,
        instruction,
        author: "Mia",
        delivery_key: null,
        created_at: FIXED_NOW.toISOString(),
        consumed_at: null,
      })
      .execute();
  }

  async function work(run: Awaited<ReturnType<typeof addRun>>) {
    await runDeveloperWorkflow(
      {
        db: db(),
        forge: fixture.forge,
        executors: new Map([["agent", executor]]),
        workspacesDir: path.join(fixture.dataDir, "workspaces"),
        publicUrl: "http://flowgate.test",
        logger: pino({ level: "silent" }),
        now: () => FIXED_NOW,
      },
      {
        run,
        project,
        branchTemplate: "ai/{external_reference}-{slug}",
        signal: new AbortController().signal,
      },
    );
  }

  it("gives the executor the run's follow-ups, marks them consumed and lists them in the merge request", async () => {
    const run = await addRun();
    await addFollowUp(run.id, "cover refunds");

    await work(run);

    expect(executor.calls).toHaveLength(1);
    expect(executor.calls[0]?.followUps).toEqual([
      { instruction: "cover refunds", author: "Mia" },
    ]);
    expect(executor.calls[0]?.previousSummary).toBeUndefined();
    const pending = await db()
      .selectFrom("run_follow_ups")
      .select("consumed_at")
      .execute();
    expect(pending).toEqual([{ consumed_at: FIXED_NOW.toISOString() }]);
    const [mr] = (
      await fixture.forge.listMergeRequests(fixture.project, {
        page: 1,
        perPage: 10,
      })
    ).items;
    expect(mr?.description).toContain("## Follow-up from Mia");
    expect(mr?.description).toContain("> cover refunds");
  });

  it("gives follow-ups that arrive during the work in further rounds, three at most", async () => {
    const run = await addRun();
    executor.during = async (call) => addFollowUp(run.id, `more ${call}`);

    await work(run);

    expect(executor.calls.map((call) => call.followUps)).toEqual([
      [],
      [{ instruction: "more 1", author: "Mia" }],
      [{ instruction: "more 2", author: "Mia" }],
    ]);
    expect(executor.calls.map((call) => call.previousSummary)).toEqual([
      undefined,
      "summary 1",
      "summary 2",
    ]);
  });

  it("continues the open merge request with the previous run's summary and adds the new follow-up to it", async () => {
    const first = await addRun();
    await work(first);
    await db()
      .updateTable("runs")
      .set({ status: "succeeded" })
      .where("id", "=", first.id)
      .execute();

    const second = await addRun();
    await addFollowUp(second.id, "also add a CSV export");
    await work(second);

    const last = executor.calls.at(-1);
    expect(last?.previousSummary).toBe("summary 1");
    expect(last?.followUps).toEqual([
      { instruction: "also add a CSV export", author: "Mia" },
    ]);
    const { items } = await fixture.forge.listMergeRequests(fixture.project, {
      page: 1,
      perPage: 10,
    });
    expect(items).toHaveLength(1);
    expect(items[0]?.description).toContain("> also add a CSV export");
    const branches = await db()
      .selectFrom("runs")
      .select("branch")
      .orderBy("id")
      .execute();
    expect(branches[1]?.branch).toBe(branches[0]?.branch);
  });
});
