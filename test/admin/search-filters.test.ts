import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

// `search` on the runs list, the deliveries and the audit log
// (docs/api.md): a substring, any case, in which % and _ are only
// themselves, on each database.

describe.each(DATABASES)("search filters on %s", (kind) => {
  let database: TestDatabase | undefined;
  let server: TestServer;
  let projectId: number;

  beforeAll(async () => {
    if (unavailable(kind)) return;
    database = kind === "postgres" ? await createTestDatabase() : undefined;
    server = await startTestServer(
      database ? { env: { FLOWGATE_DATABASE_URL: database.url } } : {},
    );
    projectId = (await server.createProject("acme/search")).id;
    const trigger = await server.createTrigger(projectId, {
      name: "Jira Payments",
    });
    await server.createTrigger(projectId, { name: "Linear Ops" });
    for (const [reference, title] of [
      ["PAY-1", "Add OAuth login"],
      ["PAY-2", "Fix 100% CPU_usage"],
      ["OPS-3", "Rotate the certificates"],
    ]) {
      const answer = await deliver(
        server,
        projectId,
        signGeneric(
          trigger.signing_secret,
          { title, external_reference: reference },
          { token: trigger.token, id: `msg_${reference}` },
        ),
      );
      expect(answer.status).toBe(202);
    }
    // The trigger's token, but a signature made with another secret.
    const forged = await deliver(
      server,
      projectId,
      signGeneric(
        "whsec_d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldA==",
        { title: "Forged", external_reference: "PAY-9" },
        { token: trigger.token },
      ),
    );
    expect(forged.status).toBe(401);
    await server.app.ingress.refusals.flush();
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  const references = async (search: string) => {
    const answer = await server.admin(
      "GET",
      `/api/v4/projects/${projectId}/workflows/runs?search=${encodeURIComponent(search)}`,
    );
    expect(answer.status).toBe(200);
    return answer.body
      .map((run: { external_reference: string }) => run.external_reference)
      .sort();
  };

  it.skipIf(unavailable(kind))(
    "finds runs by any part of the title, in any case",
    async () => {
      expect(await references("oauth")).toEqual(["PAY-1"]);
      expect(await references("CERTIFICATE")).toEqual(["OPS-3"]);
    },
  );

  it.skipIf(unavailable(kind))(
    "finds runs by any part of the ticket reference",
    async () => {
      expect(await references("pay-")).toEqual(["PAY-1", "PAY-2"]);
    },
  );

  it.skipIf(unavailable(kind))(
    "takes % and _ in the text literally",
    async () => {
      expect(await references("100%")).toEqual(["PAY-2"]);
      expect(await references("_")).toEqual(["PAY-2"]);
      expect(await references("%")).toEqual(["PAY-2"]);
    },
  );

  it.skipIf(unavailable(kind))(
    "finds audit events by action, author or target",
    async () => {
      const actions = async (search: string) => {
        const answer = await server.admin(
          "GET",
          `/api/v4/projects/${projectId}/workflows/audit_events?search=${encodeURIComponent(search)}`,
        );
        expect(answer.status).toBe(200);
        return answer.body.map(
          (event: { details: Record<string, unknown> }) =>
            `${event.details.custom_message} ${event.details.target_details}`,
        );
      };

      expect(await actions("PAYMENTS")).toEqual([
        "created trigger Jira Payments",
      ]);
      expect(await actions("Created Trig")).toHaveLength(2);
      const everything = await actions("");
      const byAdmin = await actions("instance ADMIN");
      expect(byAdmin).toContain("created trigger Linear Ops");
      // Deliveries and runs are audited as their trigger and Flowgate.
      expect(byAdmin.length).toBeLessThan(everything.length);
      expect(await actions("nobody did this")).toEqual([]);
    },
  );

  it.skipIf(unavailable(kind))(
    "finds deliveries by any part of the reason or the delivery key",
    async () => {
      const found = async (search: string) => {
        const answer = await server.admin(
          "GET",
          `/api/v4/projects/${projectId}/workflows/deliveries?search=${encodeURIComponent(search)}`,
        );
        expect(answer.status).toBe(200);
        return answer.body.map(
          (delivery: { outcome: string; delivery_key: string | null }) =>
            `${delivery.outcome} ${delivery.delivery_key}`,
        );
      };

      expect(await found("SIGNATURE Mismatch")).toEqual(["refused null"]);
      expect(await found("msg_pay-")).toEqual([
        "accepted id:msg_PAY-2",
        "accepted id:msg_PAY-1",
      ]);
      expect(await found("%")).toEqual([]);
      expect(await found("nothing was refused for this")).toEqual([]);
    },
  );
});
