import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ForgeInputError } from "../../../src/forges/forge-input-error.ts";
import { ForgeNotFoundError } from "../../../src/forges/forge-not-found-error.ts";
import {
  createForgeFixture,
  type ForgeFixture,
  pushFiles,
} from "./forge-fixture.ts";

let fixture: ForgeFixture;
beforeEach(async () => {
  fixture = await createForgeFixture();
  await pushFiles(fixture, "topic", {
    "docs/guide.md": "# Guide\n",
    "odd name [1].txt": "brackets\n",
  });
});
afterEach(async () => {
  await fixture.close();
});

describe("readRepositoryFile", () => {
  it("reads a file at a branch and at a commit sha", async () => {
    const { forge, project } = fixture;
    const sha = (await forge.compareRefs(project, "main", "topic")).commit?.id;

    const atBranch = await forge.readRepositoryFile(
      project,
      "topic",
      "docs/guide.md",
    );
    const atSha = await forge.readRepositoryFile(
      project,
      sha ?? "",
      "docs/guide.md",
    );

    expect(atBranch?.toString()).toBe("# Guide\n");
    expect(atSha).toEqual(atBranch);
  });

  it("takes file names literally, not as patterns", async () => {
    const { forge, project } = fixture;

    const odd = await forge.readRepositoryFile(
      project,
      "topic",
      "odd name [1].txt",
    );
    const pattern = await forge.readRepositoryFile(project, "topic", "odd*");

    expect(odd?.toString()).toBe("brackets\n");
    expect(pattern).toBeUndefined();
  });

  it("answers undefined for a missing file, a missing ref or a directory", async () => {
    const { forge, project } = fixture;

    expect(
      await forge.readRepositoryFile(project, "main", "docs/guide.md"),
    ).toBeUndefined();
    expect(
      await forge.readRepositoryFile(project, "nope", "README.md"),
    ).toBeUndefined();
    expect(
      await forge.readRepositoryFile(project, "topic", "docs"),
    ).toBeUndefined();
  });

  it("refuses refs and paths that could be options or leave the tree", async () => {
    const { forge, project } = fixture;
    const read = (ref: string, file: string) =>
      forge.readRepositoryFile(project, ref, file);

    await expect(read("--output=/tmp/x", "README.md")).rejects.toThrow(
      ForgeInputError,
    );
    await expect(read("main", "../secret")).rejects.toThrow(ForgeInputError);
    await expect(read("main", "/etc/passwd")).rejects.toThrow(ForgeInputError);
    await expect(read("main~1", "README.md")).rejects.toThrow(ForgeInputError);
  });

  it("answers not found for a project without a repository", async () => {
    const reading = fixture.forge.readRepositoryFile(
      { id: 99, path: "acme/none", defaultBranch: "main" },
      "main",
      "README.md",
    );

    await expect(reading).rejects.toThrow(ForgeNotFoundError);
  });
});
