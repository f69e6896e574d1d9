import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openStore, type Store } from "../../src/store/database.ts";
import {
  createTestDatabase,
  type DatabaseKind,
  type TestDatabase,
} from "../helpers/postgres.ts";

/** A real, migrated store: SQLite in a fresh temp directory, or a fresh
 * PostgreSQL database. */
export interface StoreFixture {
  store: Store;
  dataDir: string;
  /** Inserts a project and answers its id. */
  addProject(projectPath?: string): Promise<number>;
  /** Inserts a generic trigger of `projectId` and answers its id. */
  addTrigger(projectId: number): Promise<number>;
  /** Inserts a run of `projectId` in `status` and answers its id. */
  addRun(projectId: number, status?: string): Promise<number>;
  close(): Promise<void>;
}

export const T0 = new Date("2025-03-04T05:06:07.000Z");

export async function openStoreFixture(
  kind: DatabaseKind = "sqlite",
): Promise<StoreFixture> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "flowgate-store-"));
  const database: TestDatabase | undefined =
    kind === "postgres" ? await createTestDatabase() : undefined;
  const store = await openStore({ dataDir, databaseUrl: database?.url });
  const db = store.db;
  let projects = 0;
  let runs = 0;

  return {
    store,
    dataDir,
    async addProject(projectPath) {
      projects += 1;
      const row = await db
        .insertInto("projects")
        .values({
          path: projectPath ?? `acme/project-${projects}`,
          default_branch: "main",
          forge_type: "local",
          forge_config: "{}",
          created_at: T0.toISOString(),
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      return row.id;
    },
    async addTrigger(projectId) {
      const row = await db
        .insertInto("triggers")
        .values({
          project_id: projectId,
          source: "generic",
          name: "fixture",
          workflow_types: JSON.stringify(["developer"]),
          default_workflow_type: "developer",
          auth: "signature",
          rate_limit: 600,
          rate_window_s: 60,
          branch_template: "ai/{external_reference}-{slug}",
          executor: "agent",
          label: null,
          mention: null,
          enabled: 1,
          token_hash: `hash-${projectId}-${Math.random()}`,
          signing_secret: "sealed",
          previous_token_hash: null,
          previous_signing_secret: null,
          previous_expires_at: null,
          credentials: null,
          sync: "{}",
          created_at: T0.toISOString(),
          updated_at: T0.toISOString(),
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      return row.id;
    },
    async addRun(projectId, status = "queued") {
      runs += 1;
      const row = await db
        .insertInto("runs")
        .values({
          project_id: projectId,
          trigger_id: null,
          workflow_type: "developer",
          executor: "agent",
          external_system: "generic",
          external_reference: `PROJ-${runs}`,
          external_url: null,
          title: `Ticket ${runs}`,
          description: "",
          context: "{}",
          status,
          branch: null,
          merge_request_iid: null,
          error: null,
          received_at: T0.toISOString(),
          verified_at: T0.toISOString(),
          admission: JSON.stringify({ source: "generic", auth: "signature" }),
          created_at: T0.toISOString(),
          started_at: null,
          finished_at: null,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      return row.id;
    },
    async close() {
      await store.close();
      await database?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
