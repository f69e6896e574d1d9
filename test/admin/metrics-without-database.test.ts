import { afterEach, describe, expect, it } from "vitest";
import {
  createTestDatabase,
  DATABASES,
  type TestDatabase,
  unavailable,
} from "../helpers/postgres.ts";
import {
  deliver,
  signGeneric,
  startTestServer,
  type TestServer,
} from "../helpers/test-server.ts";

// /-/metrics during a database outage: the scrape is how an operator
// sees the outage, so it answers with what the process knows (its own
// counters) and leaves out what only the database knows, instead of
// failing whole with a 500.

async function scrape(target: TestServer): Promise<string> {
  const response = await fetch(`${target.url}/-/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

function seriesOf(text: string, name: string): string[] {
  return text.split("\n").filter((line) => line.startsWith(`${name}{`));
}

describe.each(DATABASES)("%s", (database) => {
  describe.skipIf(unavailable(database))("GET /-/metrics", () => {
    let server: TestServer | undefined;
    let postgres: TestDatabase | undefined;
    afterEach(async () => {
      await server?.server.close();
      await postgres?.drop();
      server = undefined;
      postgres = undefined;
    });

    it("answers with the process's own metrics once the database is gone", async () => {
      postgres =
        database === "postgres" ? await createTestDatabase() : undefined;
      server = await startTestServer({
        env: {
          FLOWGATE_ROLE: "api",
          ...(postgres ? { FLOWGATE_DATABASE_URL: postgres.url } : {}),
        },
      });
      const project = await server.createProject("acme/metrics");
      const trigger = await server.createTrigger(project.id);
      const accepted = await deliver(
        server,
        project.id,
        signGeneric(
          trigger.signing_secret,
          { title: "Count me", external_reference: "OUT-1" },
          { token: trigger.token },
        ),
      );
      expect(accepted.status).toBe(202);
      const before = await scrape(server);

      await server.app.store.close();
      const after = await scrape(server);

      expect(before).toContain("flowgate_database_up 1");
      expect(seriesOf(before, "flowgate_runs")).toContain(
        'flowgate_runs{status="queued"} 1',
      );
      expect(after).toContain("flowgate_database_up 0");
      expect(after).toContain(
        'flowgate_deliveries_total{outcome="accepted",status="202"} 1',
      );
      expect(seriesOf(after, "flowgate_runs")).toEqual([]);
      expect(seriesOf(after, "flowgate_queue_depth")).toEqual([]);
      expect(server.logs.entries().map((entry) => entry.msg)).toContain(
        "metrics scrape could not read the database; its gauges are left out",
      );
    });
  });
});
