import { randomBytes } from "node:crypto";
import {
  type Answer,
  type ReceivedRequest,
  type ServerFault,
  startFaultServer,
} from "./fault-server.ts";

/**
 * A fake of the ServiceNow Table API and OAuth token endpoint, on a real
 * port. Records live in tables; writing a journal field (`work_notes`,
 * `comments`) adds an entry to `sys_journal_field`, as the instance
 * does, and answers show the field empty. Answers are `{"result": …}`,
 * errors `{"error": {"message", "detail"}, "status": "failure"}`.
 */

export interface FakeServicenowOptions {
  username: string;
  password: string;
  client: { id: string; secret: string };
  /** Seconds each token lives. */
  tokenLifetimeS?: number;
  /** Incident sys_ids to create, state 1 (New). */
  incidents: string[];
  /** Tables the integration user may not read (its ACLs deny it). */
  unreadable?: string[];
}

export interface FakeServicenow {
  url: string;
  requests: ReceivedRequest[];
  /** Entries of one record's journal field, oldest first. */
  journal(sysId: string, field?: string): string[];
  record(table: string, sysId: string): Record<string, string> | undefined;
  /** Tokens issued so far stop working (a revoked grant). */
  revokeTokens(): void;
  tokensIssued(): number;
  /** Queues a fault for the next request with this method and path
   * (without its query). */
  failNext(method: string, path: string | RegExp, fault: ServerFault): void;
  close(): Promise<void>;
}

const JOURNAL_FIELDS = new Set(["work_notes", "comments"]);
const INCIDENT_STATES: Record<string, string> = {
  "1": "New",
  "2": "In Progress",
  "3": "On Hold",
  "6": "Resolved",
  "7": "Closed",
  "8": "Canceled",
};

export async function startFakeServicenow(
  options: FakeServicenowOptions,
): Promise<FakeServicenow> {
  const tables = new Map<string, Map<string, Record<string, string>>>();
  const table = (name: string) => {
    const rows = tables.get(name) ?? new Map();
    tables.set(name, rows);
    return rows;
  };
  for (const sysId of options.incidents) {
    table("incident").set(sysId, { sys_id: sysId, state: "1" });
  }
  for (const [value, label] of Object.entries(INCIDENT_STATES)) {
    const id = randomBytes(16).toString("hex");
    table("sys_choice").set(id, {
      sys_id: id,
      name: "incident",
      element: "state",
      value,
      label,
      language: "en",
      inactive: "false",
    });
  }
  const tokens = new Set<string>();
  let issued = 0;

  const handle = (request: ReceivedRequest): Answer => {
    if (request.path === "/oauth_token.do" && request.method === "POST") {
      return grant(request.body);
    }
    const match = /^\/api\/now\/table\/(\w+)(?:\/(\w+))?$/.exec(request.path);
    if (!match?.[1]) return failure(400, "Invalid URL", request.path);
    if (!authorized(request)) {
      return failure(
        401,
        "User Not Authenticated",
        "Required to provide Auth information",
      );
    }
    const rows = table(match[1]);
    if (request.method === "GET" && options.unreadable?.includes(match[1])) {
      return failure(
        403,
        "User Not Authorized",
        `Read access to ${match[1]} is denied by an ACL`,
      );
    }
    if (request.method === "GET" && !match[2]) {
      const found = [...rows.values()].filter(query(request.query));
      const limit = Number(request.query.sysparm_limit ?? 10_000);
      const fields = request.query.sysparm_fields?.split(",");
      return ok(found.slice(0, limit).map((row) => pick(row, fields)));
    }
    const row = match[2] ? rows.get(match[2]) : undefined;
    if (!row) {
      return failure(
        404,
        "No Record found",
        "Record doesn't exist or ACL restricts the record retrieval",
      );
    }
    if (request.method === "PATCH") {
      patch(match[1], row, request);
      return ok(shown(match[1], row, request.query));
    }
    return ok(shown(match[1], row, request.query));
  };

  const grant = (form: Record<string, string>): Answer => {
    const valid =
      form.grant_type === "client_credentials" &&
      form.client_id === options.client.id &&
      form.client_secret === options.client.secret;
    if (!valid) {
      return {
        status: 401,
        body: { error_description: "access_denied", error: "server_error" },
      };
    }
    const token = randomBytes(24).toString("base64url");
    const lifetime = options.tokenLifetimeS ?? 1799;
    tokens.add(token);
    issued += 1;
    return {
      status: 200,
      body: {
        access_token: token,
        scope: "useraccount",
        token_type: "Bearer",
        expires_in: lifetime,
      },
    };
  };

  const authorized = (request: ReceivedRequest): boolean => {
    const header = request.headers.authorization ?? "";
    const basic = `${options.username}:${options.password}`;
    if (header === `Basic ${Buffer.from(basic).toString("base64")}`) {
      return true;
    }
    const bearer = /^Bearer (.+)$/.exec(header)?.[1];
    return bearer !== undefined && tokens.has(bearer);
  };

  const patch = (
    name: string,
    row: Record<string, string>,
    request: ReceivedRequest,
  ) => {
    for (const [field, value] of Object.entries(request.body ?? {})) {
      const text = String(value);
      if (JOURNAL_FIELDS.has(field)) {
        const id = randomBytes(16).toString("hex");
        table("sys_journal_field").set(id, {
          sys_id: id,
          element_id: row.sys_id ?? "",
          element: field,
          name,
          value: text,
          sys_created_by: options.username,
        });
      } else {
        row[field] = text;
      }
    }
  };

  const server = await startFaultServer(handle, (status) =>
    failureBody(status === 429 ? "Too many requests" : "Error"),
  );

  return {
    url: server.url,
    requests: server.requests,
    journal: (sysId, field = "work_notes") =>
      [...table("sys_journal_field").values()]
        .filter((row) => row.element_id === sysId && row.element === field)
        .map((row) => row.value ?? ""),
    record: (name, sysId) => table(name).get(sysId),
    revokeTokens: () => tokens.clear(),
    tokensIssued: () => issued,
    failNext: server.failNext,
    close: server.close,
  };
}

/** `a=b^cLIKEd^eINf,g`: the operators Flowgate uses. */
function query(params: Record<string, string>) {
  const terms = (params.sysparm_query ?? "")
    .split("^")
    .filter((term) => term !== "")
    .map((term) => {
      const parsed = /^([a-z0-9_]+)(LIKE|IN|=)(.*)$/s.exec(term);
      if (!parsed) throw new Error(`the fake cannot read the term ${term}`);
      const [, field = "", operator, value = ""] = parsed;
      return { field, operator, value };
    });
  return (row: Record<string, string>) =>
    terms.every(({ field, operator, value }) => {
      const actual = row[field] ?? "";
      if (operator === "LIKE") return actual.includes(value);
      if (operator === "IN") return value.split(",").includes(actual);
      return actual === value;
    });
}

function shown(
  name: string,
  row: Record<string, string>,
  params: Record<string, string>,
) {
  const fields = params.sysparm_fields?.split(",");
  const record: Record<string, unknown> = pick(row, fields);
  for (const field of JOURNAL_FIELDS) {
    if (!fields || fields.includes(field)) record[field] = "";
  }
  if (params.sysparm_display_value === "all" && "state" in record) {
    const value = row.state ?? "";
    const label = name === "incident" ? INCIDENT_STATES[value] : value;
    record.state = { display_value: label ?? value, value };
  }
  return record;
}

function pick(row: Record<string, string>, fields: string[] | undefined) {
  if (!fields) return { ...row };
  return Object.fromEntries(
    fields.filter((field) => field in row).map((field) => [field, row[field]]),
  );
}

function ok(result: unknown): Answer {
  return { status: 200, body: { result } };
}

function failure(status: number, message: string, detail: string): Answer {
  return { status, body: failureBody(message, detail) };
}

function failureBody(message: string, detail = "") {
  return { error: { message, detail }, status: "failure" };
}
