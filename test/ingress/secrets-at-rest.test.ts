import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CreatedTrigger,
  deliver,
  signGeneric,
  startTestServer,
  type TestServer,
} from "../helpers/test-server.ts";

const MINUTE_MS = 60_000;

/** A secret and the forms it could be written in. */
interface Needle {
  name: string;
  forms: Buffer[];
  /** The one file allowed to hold it, by design. */
  home?: string;
}

function tokenNeedle(name: string, token: string, home?: string): Needle {
  const raw = Buffer.from(token, "utf8");
  return {
    name,
    forms: [raw, Buffer.from(raw.toString("base64"))],
    ...(home ? { home } : {}),
  };
}

/** A `whsec_` secret: as sent, its base64 part, and the key bytes. */
function signingSecretNeedle(name: string, secret: string): Needle {
  const encoded = secret.replace(/^whsec_/, "");
  const key = Buffer.from(encoded, "base64");
  return {
    name,
    forms: [
      Buffer.from(secret),
      Buffer.from(encoded),
      key,
      Buffer.from(key.toString("hex")),
      Buffer.from(key.toString("base64url")),
    ],
  };
}

/** Every file under `dir`, loose git objects inflated as git reads them. */
function filesUnder(dir: string): Array<{ file: string; bytes: Buffer }> {
  const found: Array<{ file: string; bytes: Buffer }> = [];
  for (const entry of fs.readdirSync(dir, {
    recursive: true,
    withFileTypes: true,
  })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const bytes = fs.readFileSync(file);
    found.push({ file, bytes });
    if (/\/objects\/[0-9a-f]{2}\/[0-9a-f]{38}$/.test(file)) {
      found.push({
        file: `${file} (inflated)`,
        bytes: zlib.inflateSync(bytes),
      });
    }
  }
  return found;
}

function leaks(
  needles: readonly Needle[],
  places: ReadonlyArray<{ file: string; bytes: Buffer }>,
): string[] {
  const found: string[] = [];
  for (const { file, bytes } of places) {
    for (const needle of needles) {
      if (needle.home && file === needle.home) continue;
      if (needle.forms.some((form) => bytes.includes(form))) {
        found.push(`${needle.name} in ${file}`);
      }
    }
  }
  return found;
}

describe("secrets at rest and in logs", () => {
  let server: TestServer;
  let project: { id: number };
  let trigger: CreatedTrigger;
  let rotated: CreatedTrigger;
  let foreign: CreatedTrigger;
  const apiToken = `jira-api-token-${randomBytes(12).toString("hex")}`;
  const needles: Needle[] = [];
  const answers: number[] = [];
  let closed = false;

  // Ours, not the harness's: the files are searched after the server closed.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "flowgate-secrets-"));

  beforeAll(async () => {
    server = await startTestServer({ dataDir });
    project = await server.createProject();
    trigger = await server.createTrigger(project.id, {
      credentials: {
        base_url: "https://acme.atlassian.net",
        email: "bot@acme.example",
        api_token: apiToken,
      },
    });
    const otherProject = await server.createProject();
    foreign = await server.createTrigger(otherProject.id);

    const send = async (
      request: Parameters<typeof deliver>[2],
      urlPath?: string,
    ) => {
      const answer = await deliver(server, project.id, request, urlPath);
      answers.push(answer.status);
      if (answer.status === 202) runIds.push(answer.body.id);
      return answer;
    };
    const ticket = (n: number) => ({
      title: `Secret-free ticket ${n}`,
      external_reference: `SEC-${n}`,
    });

    const runIds: number[] = [];
    await send(
      signGeneric(trigger.signing_secret, ticket(1), { token: trigger.token }),
    );
    const viaBearer = signGeneric(trigger.signing_secret, ticket(2));
    await send({
      body: viaBearer.body,
      headers: {
        ...viaBearer.headers,
        authorization: `Bearer ${trigger.token}`,
      },
    });
    await send(
      signGeneric(trigger.signing_secret, ticket(3)),
      `/api/v4/projects/${project.id}/workflows/triggers/${trigger.id}/webhook`,
    );
    // Refused: another project's real token, a wrong signature with the
    // right token, a stale timestamp, a duplicate and a wrong type.
    await send(
      signGeneric(trigger.signing_secret, ticket(4), { token: foreign.token }),
    );
    await send(
      signGeneric(foreign.signing_secret, ticket(5), { token: trigger.token }),
    );
    await send(
      signGeneric(trigger.signing_secret, ticket(6), {
        token: trigger.token,
        timestamp: new Date(Date.now() - 10 * MINUTE_MS),
      }),
    );
    const textPlain = signGeneric(trigger.signing_secret, ticket(7), {
      token: trigger.token,
    });
    await send({
      body: textPlain.body,
      headers: { ...textPlain.headers, "content-type": "text/plain" },
    });
    await send(
      signGeneric(trigger.signing_secret, "{not json", {
        token: trigger.token,
      }),
    );

    const rotation = await server.admin(
      "POST",
      `/api/v4/projects/${project.id}/workflows/triggers/${trigger.id}/rotate`,
      {},
    );
    expect(rotation.status).toBe(200);
    rotated = rotation.body;
    await send(
      signGeneric(rotated.signing_secret, ticket(8), { token: rotated.token }),
    );
    await send(
      signGeneric(trigger.signing_secret, ticket(9), { token: trigger.token }),
    );
    await send(
      signGeneric(rotated.signing_secret, ticket(10), { token: "fgt_wrong" }),
    );
    // Finished runs leave no workspace behind to change under the scan.
    for (const id of runIds) await server.waitForRun(project.id, id);

    needles.push(
      tokenNeedle("trigger token", trigger.token),
      signingSecretNeedle("signing secret", trigger.signing_secret),
      tokenNeedle("rotated token", rotated.token),
      signingSecretNeedle("rotated signing secret", rotated.signing_secret),
      tokenNeedle("another project's token", foreign.token),
      signingSecretNeedle("another project's secret", foreign.signing_secret),
      tokenNeedle("credential", apiToken),
      tokenNeedle(
        "admin token",
        server.adminToken,
        path.join(server.dataDir, "admin-token"),
      ),
    );
    const key = fs
      .readFileSync(path.join(server.dataDir, "secret.key"), "utf8")
      .trim();
    needles.push({
      ...signingSecretNeedle("instance secret key", key),
      home: path.join(server.dataDir, "secret.key"),
    });
  });
  afterAll(async () => {
    if (!closed) await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("went through accepted and refused deliveries alike", () => {
    expect(answers).toEqual([
      202, 202, 202, 401, 401, 401, 415, 400, 202, 202, 401,
    ]);
  });

  it("finds every form of a secret where one is planted (the search works)", () => {
    for (const needle of needles) {
      for (const form of needle.forms) {
        const planted = Buffer.concat([
          Buffer.from("before"),
          form,
          Buffer.from("after"),
        ]);
        expect(leaks([needle], [{ file: "planted", bytes: planted }])).toEqual([
          `${needle.name} in planted`,
        ]);
      }
    }
    const adminTokenFile = path.join(server.dataDir, "admin-token");
    const unexcused = needles.map(({ home: _, ...needle }) => needle);
    expect(
      leaks(unexcused, [
        { file: adminTokenFile, bytes: fs.readFileSync(adminTokenFile) },
      ]),
    ).toEqual([`admin token in ${adminTokenFile}`]);
  });

  it("shows no secret in the admin API's trigger and delivery views", async () => {
    const base = `/api/v4/projects/${project.id}/workflows`;
    const views = await Promise.all([
      server.admin("GET", `${base}/triggers/${trigger.id}`),
      server.admin("GET", `${base}/triggers`),
      server.admin("GET", `${base}/deliveries?per_page=100`),
      server.admin("GET", `${base}/runs?per_page=100`),
      server.admin("GET", `${base}/audit_events?per_page=100`),
    ]);
    for (const view of views) expect(view.status).toBe(200);
    const text = Buffer.from(JSON.stringify(views.map((view) => view.body)));
    expect(leaks(needles, [{ file: "admin API", bytes: text }])).toEqual([]);
  });

  it("writes no secret to the database, its WAL or any other file while running", async () => {
    await server.app.ingress.refusals.flush();
    const places = filesUnder(server.dataDir);
    expect(places.map(({ file }) => path.basename(file))).toEqual(
      expect.arrayContaining(["flowgate.sqlite", "flowgate.sqlite-wal"]),
    );
    expect(leaks(needles, places)).toEqual([]);
  });

  it("writes no secret to any file or log line after closing, and keeps the two secret files 0600", async () => {
    await server.app.ingress.refusals.flush();
    await server.close();
    closed = true;

    const places = filesUnder(server.dataDir);
    expect(places.length).toBeGreaterThan(3);
    expect(leaks(needles, places)).toEqual([]);
    expect(
      leaks(needles, [{ file: "logs", bytes: Buffer.from(server.logs.text) }]),
    ).toEqual([]);
    // The logs did see these deliveries, so silence is not emptiness.
    expect(server.logs.text).toContain("delivery answered");

    for (const name of ["admin-token", "secret.key"]) {
      const mode = fs.statSync(path.join(server.dataDir, name)).mode & 0o777;
      expect(mode.toString(8), name).toBe("600");
    }
    expect(
      fs.readFileSync(path.join(server.dataDir, "admin-token"), "utf8").trim(),
    ).toBe(server.adminToken);
  });
});
