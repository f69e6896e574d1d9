import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/test-server.ts";

// The built dashboard as the server hands it out: a directory shaped as
// `npm run build:web` leaves web/dist, with .br and .gz twins.

const INDEX = `<!doctype html><html><head>
<script type="module" src="/-/dashboard/assets/app-3f9a1c.js"></script>
</head><body><div id="app"></div></body></html>`;
const SCRIPT = `console.log("the dashboard");\n`.repeat(50);
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; " +
  "img-src 'self' data:; connect-src 'self'; object-src 'none'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

function writeBuild(dir: string): void {
  fs.mkdirSync(path.join(dir, "assets"), { recursive: true });
  const files = { "index.html": INDEX, "assets/app-3f9a1c.js": SCRIPT };
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    fs.writeFileSync(`${file}.br`, zlib.brotliCompressSync(text));
    fs.writeFileSync(`${file}.gz`, zlib.gzipSync(text));
  }
}

describe("the built dashboard", () => {
  let server: TestServer;
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "flowgate-web-"));
    writeBuild(dir);
    server = await startTestServer({ dashboardDir: dir });
  });
  afterAll(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const get = (urlPath: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${urlPath}`, {
      headers: { "accept-encoding": "identity", ...headers },
      redirect: "manual",
    });

  it("answers index.html for a client-side route, never cached stale", async () => {
    const response = await get("/-/dashboard/projects/1/runs/42");

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(response.headers.get("cache-control")).toBe("no-cache");
    expect(await response.text()).toBe(INDEX);
  });

  it("answers index.html at the dashboard's root", async () => {
    const response = await get("/-/dashboard/");

    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-cache");
    expect(await response.text()).toBe(INDEX);
  });

  it("serves an asset to be cached for good", async () => {
    const response = await get("/-/dashboard/assets/app-3f9a1c.js");

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/javascript/);
    expect(response.headers.get("cache-control")).toBe(
      "public, max-age=31536000, immutable",
    );
    expect(response.headers.get("content-encoding")).toBeNull();
    expect(await response.text()).toBe(SCRIPT);
  });

  it("sends the brotli twin to a browser that accepts it", async () => {
    const response = await get("/-/dashboard/assets/app-3f9a1c.js", {
      "accept-encoding": "gzip, deflate, br",
    });

    expect(response.status).toBe(200);
    expect(response.headers.get("content-encoding")).toBe("br");
    expect(response.headers.get("vary")).toMatch(/accept-encoding/i);
    expect(response.headers.get("content-type")).toMatch(/javascript/);
    // fetch decodes it: what arrives is the script itself.
    expect(await response.text()).toBe(SCRIPT);
  });

  it("sends the gzip twin when brotli is not accepted", async () => {
    const response = await get("/-/dashboard/projects", {
      "accept-encoding": "gzip",
    });

    expect(response.headers.get("content-encoding")).toBe("gzip");
    expect(await response.text()).toBe(INDEX);
  });

  it("answers 404, not the page, for an asset that does not exist", async () => {
    const response = await get("/-/dashboard/assets/gone-000000.js");

    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toMatch(/json/);
  });

  it("puts the security headers on every dashboard answer", async () => {
    for (const urlPath of [
      "/-/dashboard/",
      "/-/dashboard/assets/app-3f9a1c.js",
      "/-/dashboard/assets/gone-000000.js",
      "/-/dashboard/session",
    ]) {
      const response = await get(urlPath);
      expect(response.headers.get("content-security-policy")).toBe(CSP);
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("referrer-policy")).toBe("same-origin");
    }
  });

  it("redirects / to the dashboard", async () => {
    const response = await get("/");

    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/-/dashboard/");
  });

  it("answers the asterisk form of GET with 404, not the redirect", async () => {
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const request = http.request(
        `${server.url}/`,
        { path: "*" },
        (answer) => {
          answer.resume();
          resolve(answer.statusCode);
        },
      );
      request.on("error", reject);
      request.end();
    });

    expect(status).toBe(404);
  });

  it("refuses to leave the directory", async () => {
    const response = await get("/-/dashboard/%2e%2e/%2e%2e/package.json");

    expect(response.status).not.toBe(200);
    expect(await response.text()).not.toContain('"name"');
  });
});

describe("a dashboard that was not built", () => {
  let server: TestServer;

  beforeAll(async () => {
    const nowhere = path.join(os.tmpdir(), "flowgate-web-never-built");
    server = await startTestServer({ dashboardDir: nowhere });
  });
  afterAll(async () => {
    await server.close();
  });

  it("answers 503 with a page that says how to build it", async () => {
    const response = await fetch(`${server.url}/-/dashboard/`);

    expect(response.status).toBe(503);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(response.headers.get("content-security-policy")).toBe(CSP);
    expect(await response.text()).toContain(
      "The dashboard is not built: run <code>npm run build:web</code>",
    );
  });
});

describe("the dashboard on a worker", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ env: { FLOWGATE_ROLE: "worker" } });
  });
  afterAll(async () => {
    await server.close();
  });

  it("is not served", async () => {
    const response = await fetch(`${server.url}/-/dashboard/`, {
      redirect: "manual",
    });

    expect(response.status).toBe(404);
  });
});
