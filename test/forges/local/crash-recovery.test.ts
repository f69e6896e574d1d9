import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { removeBrokenWorktrees } from "../../../src/forges/local/remove-broken-worktrees.ts";
import { createForgeFixture, type ForgeFixture } from "./forge-fixture.ts";

// What a SIGKILL in the middle of a run leaves in the bare repository, and
// the next attempt at the same run, which must get past it.

let fixture: ForgeFixture;
let bare: string;

beforeEach(async () => {
  fixture = await createForgeFixture();
  bare = path.join(fixture.dataDir, "repositories", "acme", "shop.git");
});
afterEach(async () => fixture.close());

async function firstAttempt(branch: string): Promise<string> {
  const dir = fixture.workDir("run-1");
  const { workspace } = await fixture.forge.checkout(
    fixture.project,
    dir,
    branch,
  );
  await workspace.writeFile("docs/plans/X-1.md", "# plan\n");
  await workspace.commitAll("X-1: plan");
  return dir;
}

describe("checking out a run's branch after its last attempt was killed", () => {
  it("gets past a ref lock the killed git left on the branch", async () => {
    const dir = await firstAttempt("ai/X-1-plan");
    fs.rmSync(dir, { recursive: true, force: true });
    fs.writeFileSync(
      path.join(bare, "refs", "heads", "ai", "X-1-plan.lock"),
      "",
    );

    const again = await fixture.forge.checkout(
      fixture.project,
      fixture.workDir("run-1"),
      "ai/X-1-plan",
    );

    expect(again.branchCreated).toBe(false);
    expect(await again.workspace.readFile("docs/plans/X-1.md")).toContain(
      "# plan",
    );
  });

  it("gets past a worktree whose creation was killed while it was locked", async () => {
    const dir = await firstAttempt("ai/X-1-plan");
    fs.rmSync(dir, { recursive: true, force: true });
    const [registered] = fs.readdirSync(path.join(bare, "worktrees"));
    if (!registered)
      throw new Error("the first attempt registered no worktree");
    fs.writeFileSync(
      path.join(bare, "worktrees", registered, "locked"),
      "initializing",
    );

    const again = await fixture.forge.checkout(
      fixture.project,
      fixture.workDir("run-1"),
      "ai/X-1-plan",
    );

    expect(again.branchCreated).toBe(false);
    expect(await again.workspace.readFile("docs/plans/X-1.md")).toContain(
      "# plan",
    );
  });

  it("gets past another run's worktree whose creation was killed before git wrote its record", async () => {
    await firstAttempt("ai/X-1-plan");
    // What a SIGKILL during `git worktree add` of another run can leave:
    // the record's folder, its lock, and an empty commondir.
    const record = path.join(bare, "worktrees", "run-9");
    fs.mkdirSync(record, { recursive: true });
    fs.writeFileSync(path.join(record, "locked"), "initializing");
    fs.writeFileSync(path.join(record, "commondir"), "");
    const longAgo = new Date(Date.now() - 60_000);
    fs.utimesSync(record, longAgo, longAgo);

    const next = await fixture.forge.checkout(
      fixture.project,
      fixture.workDir("run-2"),
      "ai/X-2-next",
    );

    expect(next.branchCreated).toBe(true);
    expect(fs.existsSync(record)).toBe(false);
  });

  it("leaves alone a worktree record another process is still writing", async () => {
    const record = path.join(bare, "worktrees", "run-9");
    fs.mkdirSync(record, { recursive: true });
    fs.writeFileSync(path.join(record, "locked"), "initializing");

    const removed = await removeBrokenWorktrees(bare);

    expect(removed).toEqual([]);
    expect(fs.existsSync(record)).toBe(true);
  });
});
