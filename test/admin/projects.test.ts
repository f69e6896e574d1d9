import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/test-server.ts";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.close());

function rawFile(projectId: number | string, file: string, ref = "main") {
  return server.admin(
    "GET",
    `/api/v4/projects/${projectId}/repository/files/${encodeURIComponent(file)}/raw?ref=${encodeURIComponent(ref)}`,
  );
}

/** A real git repository with one commit on `branch`, outside the data dir. */
function makeSourceRepository(branch: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flowgate-import-"));
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd: dir, stdio: "pipe" });
  git("init", "--quiet", `--initial-branch=${branch}`);
  fs.mkdirSync(path.join(dir, "src"));
  fs.writeFileSync(path.join(dir, "src", "app.ts"), "export const app = 1;\n");
  git("add", "-A");
  git(
    "-c",
    "user.name=Importer",
    "-c",
    "user.email=importer@example.com",
    "commit",
    "--quiet",
    "-m",
    "Initial import",
  );
  return dir;
}

describe("POST /api/v4/projects", () => {
  it("registers a project with a repository holding an initial commit", async () => {
    const created = await server.admin("POST", "/api/v4/projects", {
      path: "acme/shop",
    });

    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: expect.any(Number),
      path_with_namespace: "acme/shop",
      path: "shop",
      default_branch: "main",
      forge: { type: "local" },
      web_url: `${server.config.publicUrl}/acme/shop`,
    });
    const readme = await rawFile(created.body.id, "README.md");
    expect(readme.status).toBe(200);
    expect(String(readme.body)).toContain("acme/shop");
  });

  it("creates the repository on the default branch it is given", async () => {
    const created = await server.admin("POST", "/api/v4/projects", {
      path: "acme/trunk-based",
      default_branch: "trunk",
    });

    expect(created.status).toBe(201);
    expect(created.body.default_branch).toBe("trunk");
    expect((await rawFile(created.body.id, "README.md", "trunk")).status).toBe(
      200,
    );
  });

  it("refuses a path that is already taken, naming the path", async () => {
    await server.createProject("acme/taken");

    const again = await server.admin("POST", "/api/v4/projects", {
      path: "acme/taken",
    });

    expect(again.status).toBe(400);
    expect(again.body.errors.path).toEqual(["has already been taken"]);
  });

  it.each([
    "",
    "../etc",
    "acme/../etc",
    "/absolute",
    "acme/",
    "has space/x",
    "acme/shop.git",
    ".hidden/x",
    "a/b/c/d/e/f/g/h/i/j/k",
  ])("refuses the invalid path %j, naming the path", async (projectPath) => {
    const answer = await server.admin("POST", "/api/v4/projects", {
      path: projectPath,
    });

    expect(answer.status).toBe(400);
    expect(answer.body.message).toMatch(/^400/);
    expect(Object.keys(answer.body.errors)).toEqual(["path"]);
  });

  it("refuses a missing path and an unknown attribute", async () => {
    const missing = await server.admin("POST", "/api/v4/projects", {});
    const unknown = await server.admin("POST", "/api/v4/projects", {
      path: "acme/extra",
      visibility: "public",
    });

    expect(missing.status).toBe(400);
    expect(missing.body.errors.path).toBeDefined();
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body.errors)).toContain("visibility");
  });

  it("imports the branches of a local git repository from import_path", async () => {
    const source = makeSourceRepository("main");
    try {
      const created = await server.admin("POST", "/api/v4/projects", {
        path: "acme/imported",
        import_path: source,
      });

      expect(created.status).toBe(201);
      const file = await rawFile(created.body.id, "src/app.ts");
      expect(file.status).toBe(200);
      expect(file.body).toBe("export const app = 1;\n");
      expect((await rawFile(created.body.id, "README.md")).status).toBe(404);
    } finally {
      fs.rmSync(source, { recursive: true, force: true });
    }
  });

  it("refuses an import without the default branch and registers nothing", async () => {
    const source = makeSourceRepository("develop");
    try {
      const answer = await server.admin("POST", "/api/v4/projects", {
        path: "acme/wrong-branch",
        import_path: source,
      });

      expect(answer.status).toBe(400);
      expect(answer.body.message).toContain("develop");
      const lookup = await server.admin(
        "GET",
        "/api/v4/projects/acme%2Fwrong-branch",
      );
      expect(lookup.status).toBe(404);
    } finally {
      fs.rmSync(source, { recursive: true, force: true });
    }
  });

  it("refuses an import_path that is not a repository and registers nothing", async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "flowgate-norepo-"));
    try {
      const answer = await server.admin("POST", "/api/v4/projects", {
        path: "acme/not-a-repo",
        import_path: empty,
      });

      expect(answer.status).toBe(400);
      const lookup = await server.admin(
        "GET",
        "/api/v4/projects/acme%2Fnot-a-repo",
      );
      expect(lookup.status).toBe(404);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe("GET /api/v4/projects/:id", () => {
  let project: { id: number; path: string };
  beforeAll(async () => {
    project = await server.createProject("acme/lookup");
  });

  it("finds a project by its numeric id", async () => {
    const found = await server.admin("GET", `/api/v4/projects/${project.id}`);

    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({
      id: project.id,
      path_with_namespace: "acme/lookup",
    });
  });

  it("finds a project by its URL-encoded path", async () => {
    const found = await server.admin("GET", "/api/v4/projects/acme%2Flookup");

    expect(found.status).toBe(200);
    expect(found.body.id).toBe(project.id);
  });

  it("answers 404 for an unknown id or path", async () => {
    for (const ref of ["999999", "acme%2Fnowhere", "nowhere"]) {
      const answer = await server.admin("GET", `/api/v4/projects/${ref}`);
      expect(answer.status).toBe(404);
      expect(answer.body.message).toMatch(/^404 .*Not Found$/);
    }
  });

  it("lists the registered projects", async () => {
    const list = await server.admin("GET", "/api/v4/projects?per_page=100");

    expect(list.status).toBe(200);
    const paths = list.body.map(
      (item: { path_with_namespace: string }) => item.path_with_namespace,
    );
    expect(paths).toContain("acme/lookup");
    expect(Number(list.headers.get("x-total"))).toBe(list.body.length);
  });
});
