import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReceivedRequest } from "../fakes/fault-server.ts";
import {
  type FakeServicenow,
  startFakeServicenow,
} from "../fakes/servicenow-api.ts";
import { incident } from "../fakes/servicenow-payloads.ts";
import type { CreatedTrigger } from "../helpers/test-server.ts";
import {
  type ProviderServer,
  startProviderServer,
} from "../sources/provider-server.ts";
import {
  type RefusingModel,
  startRefusingModel,
  untilDelivered,
} from "./report-flow.ts";

// Issue 6's acceptance for ServiceNow, end to end: an incident that a
// business rule sends through the real server becomes a run whose every
// message reaches the (fake) Table API as exactly the expected
// requests. Journal entries cannot be edited, so each event is one work
// note, looked up by its marker first; a state named by label is looked
// up among the incident's choices, one given as a value is set as it is.

const SUCCEEDING = "INC0010001";
const FAILING = "INC0010002";
const sysIdOf = (number: string) => incident({ number }).sys_id;
const USER = { username: "flowgate.integration", password: "s3cret-pass" };
const CLIENT = { id: "flowgate-oauth-client", secret: "oauth-client-secret" };
const SYNC = { transitions: { started: "In Progress", failed: "3" } };

let fg: ProviderServer;
let servicenow: FakeServicenow;
let model: RefusingModel;
let basic: CreatedTrigger;
let oauthFailing: CreatedTrigger;

beforeAll(async () => {
  servicenow = await startFakeServicenow({
    ...USER,
    client: CLIENT,
    incidents: [sysIdOf(SUCCEEDING), sysIdOf(FAILING)],
  });
  model = await startRefusingModel();
  fg = await startProviderServer({ FLOWGATE_OUTBOUND_ALLOW_PRIVATE: "true" });
  const settings = { label: "", sync: SYNC };
  basic = await fg.trigger("servicenow", {
    ...settings,
    credentials: { instance_url: servicenow.url, ...USER },
  });
  // The failing run's trigger reports with OAuth client credentials, so
  // the token request is among what the instance must see.
  oauthFailing = await fg.trigger("servicenow", {
    ...settings,
    credentials: {
      instance_url: servicenow.url,
      client_id: CLIENT.id,
      client_secret: CLIENT.secret,
    },
    model: model.settings,
  });
});
afterAll(async () => {
  await fg.close();
  await servicenow.close();
  await model.fake.close();
});

/** The business rule's insert of incident `number`, with the trigger's
 * token as ServiceNow's outbound REST message sends it (Basic). */
async function insertIncident(trigger: CreatedTrigger, number: string) {
  const basicToken = Buffer.from(`flowgate:${trigger.token}`).toString(
    "base64",
  );
  const answer = await fg.send(
    trigger,
    {
      "content-type": "application/json",
      authorization: `Basic ${basicToken}`,
    },
    JSON.stringify(incident({ number })),
  );
  expect(answer.status).toBe(202);
  return answer.body.id as number;
}

/** Each request as a line and what matters in it: the event a journal
 * lookup looks for, a note's headline, the state looked up or set. */
function summary(request: ReceivedRequest) {
  const line = `${request.method} ${request.path}`;
  const query = request.query.sysparm_query ?? "";
  if (request.path.endsWith("/sys_journal_field")) {
    return `${line} ${/\[flowgate run \d+: \w+/.exec(query)?.[0]}`;
  }
  if (request.path.endsWith("/sys_choice")) {
    return `${line} ${/label=[^^]+/.exec(query)?.[0]}`;
  }
  if (request.path === "/oauth_token.do") {
    return `${line} ${request.body.grant_type}`;
  }
  const { work_notes: note, state } = request.body ?? {};
  if (typeof note === "string") return `${line} ${note.split("\n")[0]}`;
  return `${line} state=${state}`;
}

describe("a ServiceNow incident's run reported back to ServiceNow", () => {
  it("notes each event of a succeeded run once and sets its state", async () => {
    const from = servicenow.requests.length;
    const runId = await insertIncident(basic, SUCCEEDING);
    const run = await fg.server.waitForRun(fg.projectId, runId);
    expect(run.status).toBe("succeeded");
    // queued; started (note, state); opened; succeeded
    await untilDelivered(fg, runId, 5);

    const sysId = sysIdOf(SUCCEEDING);
    const record = `/api/now/table/incident/${sysId}`;
    const lookup = (event: string) =>
      `GET /api/now/table/sys_journal_field [flowgate run ${runId}: ${event}`;
    const { iid } = run.merge_request as { iid: number };
    expect(servicenow.requests.slice(from).map(summary)).toEqual([
      lookup("queued"),
      `PATCH ${record} Flowgate is on it: run #${runId} is queued.`,
      lookup("started"),
      `PATCH ${record} Flowgate is on it: run #${runId} started.`,
      "GET /api/now/table/sys_choice label=In Progress",
      `PATCH ${record} state=2`,
      lookup("merge_request_opened"),
      `PATCH ${record} Flowgate opened a draft merge request for ${SUCCEEDING}.`,
      lookup("succeeded"),
      `PATCH ${record} Flowgate finished: merge request !${iid} is ready for review.`,
    ]);
    const notes = servicenow.journal(sysId);
    expect(notes).toHaveLength(4);
    expect(notes[2]).toContain(`/-/merge_requests/${iid}`);
    expect(servicenow.record("incident", sysId)?.state).toBe("2");
    const pair = `${USER.username}:${USER.password}`;
    for (const request of servicenow.requests.slice(from)) {
      expect(request.headers.authorization).toBe(
        `Basic ${Buffer.from(pair).toString("base64")}`,
      );
    }
  });

  it("notes a failed run's reason once, after one token, and sets its state", async () => {
    const from = servicenow.requests.length;
    const runId = await insertIncident(oauthFailing, FAILING);
    const run = await fg.server.waitForRun(fg.projectId, runId);
    expect(run.status).toBe("failed");
    // queued; started (note, state); failed (note, state)
    await untilDelivered(fg, runId, 5);

    const sysId = sysIdOf(FAILING);
    const record = `/api/now/table/incident/${sysId}`;
    const lookup = (event: string) =>
      `GET /api/now/table/sys_journal_field [flowgate run ${runId}: ${event}`;
    expect(servicenow.requests.slice(from).map(summary)).toEqual([
      "POST /oauth_token.do client_credentials",
      lookup("queued"),
      `PATCH ${record} Flowgate is on it: run #${runId} is queued.`,
      lookup("started"),
      `PATCH ${record} Flowgate is on it: run #${runId} started.`,
      "GET /api/now/table/sys_choice label=In Progress",
      `PATCH ${record} state=2`,
      lookup("failed"),
      `PATCH ${record} Flowgate's run #${runId} failed.`,
      `PATCH ${record} state=3`,
    ]);
    expect(servicenow.tokensIssued()).toBe(1);
    const notes = servicenow.journal(sysId);
    expect(notes).toHaveLength(3);
    // Plain text: the reason is there as the run has it.
    expect(notes[2]).toContain(`Reason: ${run.error as string}`);
    expect(run.error).toContain(`POST ${model.endpoint} answered 401`);
    expect(servicenow.record("incident", sysId)?.state).toBe("3");
  });
});
