import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
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
});
