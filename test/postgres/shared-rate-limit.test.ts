import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  type ChildServer,
  freePort,
  startChildServer,
} from "../helpers/child-server.ts";
import {
  createTestDatabase,
  type TestDatabase,
  unavailable,
} from "../helpers/postgres.ts";
import { signGeneric } from "../helpers/test-server.ts";

// One limit per trigger, whichever API process a delivery reaches: the
// counters live in PostgreSQL, not in each process's memory.

const LIMIT = 10;
const SENT_TO_EACH = 20;

describe.skipIf(unavailable("postgres"))(
  "a trigger's rate limit across two API processes",
  () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "flowgate-limit-"));
    const children: ChildServer[] = [];
    let database: TestDatabase | undefined;

    afterAll(async () => {
      await Promise.all(children.map((child) => child.kill()));
      await database?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it("lets through the trigger's limit in all, not the limit per process", {
      timeout: 60_000,
    }, async () => {
      database = await createTestDatabase();
      const start = async () => {
        const child = await startChildServer({
          dataDir,
          port: await freePort(),
          env: {
            FLOWGATE_DATABASE_URL: database?.url ?? "",
            FLOWGATE_ROLE: "api",
          },
        });
        children.push(child);
        return child;
      };
      const first = await start();
      const second = await start();

      const project = await first.admin("POST", "/api/v4/projects", {
        path: "acme/limited",
      });
      const trigger = await first.admin(
        "POST",
        `/api/v4/projects/${project.body.id}/workflows/triggers`,
        { source: "generic", rate_limit: { limit: LIMIT, window_s: 60 } },
      );
      const endpoint = `/api/v4/projects/${project.body.id}/workflows/trigger`;

      const send = async (server: ChildServer, index: number) => {
        const request = signGeneric(
          trigger.body.signing_secret,
          { title: `Ticket ${index}`, external_reference: `LIM-${index}` },
          { token: trigger.body.token },
        );
        const response = await fetch(server.url + endpoint, {
          method: "POST",
          headers: request.headers,
          body: request.body,
        });
        await response.arrayBuffer();
        return response;
      };
      const answers = await Promise.all(
        Array.from({ length: SENT_TO_EACH * 2 }, (_, index) =>
          send(index % 2 === 0 ? first : second, index),
        ),
      );

      const accepted = answers.filter((answer) => answer.status === 202);
      const limited = answers.filter((answer) => answer.status === 429);
      expect(accepted.length + limited.length).toBe(answers.length);
      expect(accepted.length).toBeGreaterThanOrEqual(LIMIT - 1);
      expect(accepted.length).toBeLessThanOrEqual(LIMIT + 1);
      // Both processes refused some: neither let its own ten through.
      const limitedBy = new Set(
        limited.map((answer) => new URL(answer.url).port),
      );
      expect(limitedBy.size).toBe(2);
      expect(limited[0]?.headers.get("ratelimit-limit")).toBe(String(LIMIT));
      expect(Number(limited[0]?.headers.get("retry-after"))).toBeGreaterThan(0);
    });
  },
);
