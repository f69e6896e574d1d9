import type { ColumnType, Generated } from "kysely";

// Times are ISO-8601 UTC strings written by the application (never the
// database clock), so both dialects store, compare and sort them alike.
// JSON is stored as text for the same reason. Booleans are 0 or 1.
type Json = string;
type Time = string;
type Flag = number;

export interface Database {
  projects: ProjectTable;
  triggers: TriggerTable;
  deliveries: DeliveryTable;
  runs: RunTable;
  run_events: RunEventTable;
  jobs: JobTable;
  audit_events: AuditEventTable;
  merge_requests: MergeRequestTable;
  settings: SettingTable;
  run_follow_ups: RunFollowUpTable;
  run_transcript_entries: RunTranscriptEntryTable;
  outbox_messages: OutboxMessageTable;
  forge_events: ForgeEventTable;
  dashboard_sessions: DashboardSessionTable;
}

/** Instance-wide values every process of a deployment shares. */
export interface SettingTable {
  name: string;
  value: string;
  created_at: Time;
}

export interface ProjectTable {
  id: Generated<number>;
  path: string;
  default_branch: string;
  forge_type: string;
  forge_config: Json;
  created_at: Time;
}

export interface TriggerTable {
  id: Generated<number>;
  project_id: number;
  source: string;
  name: string;
  workflow_types: Json;
  default_workflow_type: string;
  auth: string;
  rate_limit: number;
  rate_window_s: number;
  branch_template: string;
  executor: string;
  label: string | null;
  mention: string | null;
  enabled: Flag;
  token_hash: string;
  signing_secret: string;
  previous_token_hash: string | null;
  previous_signing_secret: string | null;
  previous_expires_at: Time | null;
  credentials: string | null;
  sync: Json;
  bot_identity: string | null;
  start_status: string | null;
  acceptance_criteria_field: string | null;
  created_at: Time;
  updated_at: Time;
  /** The agent's model settings, without the key; null: the instance's. */
  model: ColumnType<Json | null, Json | null | undefined>;
  /** The model's API key, sealed. */
  model_api_key: ColumnType<string | null, string | null | undefined>;
  allowed_commands: ColumnType<Json, Json | undefined>;
  budgets: ColumnType<Json, Json | undefined>;
  /** Workflow definitions by type. */
  workflows: ColumnType<Json, Json | undefined>;
}

export interface DeliveryTable {
  id: Generated<number>;
  project_id: number;
  trigger_id: number | null;
  delivery_key: string | null;
  outcome: string;
  status_code: number;
  reason: string | null;
  run_id: number | null;
  source_ip: string | null;
  headers: Json;
  body: string | null;
  received_at: Time;
  /** 1 on the first delivery of its trigger and key, the one whose run
   * its repeats name; 0 on repeats and refusals (migration 008). */
  first_of_key: ColumnType<number, number | undefined, number>;
}

export interface RunTable {
  id: Generated<number>;
  project_id: number;
  trigger_id: number | null;
  workflow_type: string;
  executor: string;
  external_system: string;
  external_reference: string;
  external_url: string | null;
  title: string;
  description: string;
  context: Json;
  status: string;
  branch: string | null;
  merge_request_iid: number | null;
  error: string | null;
  received_at: Time;
  verified_at: Time;
  admission: Json;
  created_at: Time;
  started_at: Time | null;
  finished_at: Time | null;
  /** The executor's change summary, once the run has executed. */
  summary: string | null;
  /** The merge request's page as its forge gives it (006). */
  merge_request_web_url: ColumnType<string | null, string | null | undefined>;
  /** What reporting back keeps between a run's messages (005). */
  sync_state: ColumnType<Json, Json | undefined>;
}

export interface RunEventTable {
  id: Generated<number>;
  run_id: number;
  kind: string;
  at: Time;
  duration_ms: number | null;
  details: Json;
}

export interface JobTable {
  id: Generated<number>;
  kind: string;
  run_id: number;
  project_id: number;
  status: string;
  attempts: number;
  max_attempts: number;
  run_at: Time;
  locked_by: string | null;
  locked_until: Time | null;
  last_error: string | null;
  created_at: Time;
  updated_at: Time;
}

export interface AuditEventTable {
  id: Generated<number>;
  author_id: number;
  author_name: string;
  entity_type: string;
  entity_id: number;
  entity_path: string;
  action: string;
  target_type: string | null;
  target_id: number | null;
  target_details: string | null;
  ip_address: string | null;
  details: Json;
  created_at: Time;
}

export interface MergeRequestTable {
  id: Generated<number>;
  project_id: number;
  iid: number;
  title: string;
  description: string;
  source_branch: string;
  target_branch: string;
  state: string;
  draft: Flag;
  external_reference: string | null;
  run_id: number | null;
  merge_commit_sha: string | null;
  created_at: Time;
  updated_at: Time;
  merged_at: Time | null;
  labels: ColumnType<Json, Json | undefined>;
}

export interface RunTranscriptEntryTable {
  id: Generated<number>;
  run_id: number;
  attempt: number;
  kind: string;
  at: Time;
  duration_ms: number | null;
  details: Json;
}

export interface OutboxMessageTable {
  id: Generated<number>;
  run_id: number;
  project_id: number;
  trigger_id: number | null;
  event: string;
  action: string;
  /** The RunReport, as JSON. */
  report: Json;
  status: string;
  attempts: ColumnType<number, number | undefined>;
  next_attempt_at: Time;
  give_up_at: Time;
  locked_by: string | null;
  locked_until: Time | null;
  last_error: string | null;
  created_at: Time;
  updated_at: Time;
  delivered_at: Time | null;
  /** The run's round (its admin retries) the message belongs to; null
   * on rows older than migration 009 and on `action_required` messages,
   * which are told once per wait rather than once per round. */
  round: ColumnType<number | null, number | null | undefined, never>;
}

export interface RunFollowUpTable {
  id: Generated<number>;
  run_id: number;
  instruction: string;
  author: string | null;
  delivery_key: string | null;
  created_at: Time;
  consumed_at: Time | null;
}

/** An event a forge sent that Flowgate acted on, once per key (007). */
export interface ForgeEventTable {
  id: Generated<number>;
  project_id: number;
  /** The sender's Idempotency-Key or webhook-id, else the body's hash. */
  event_key: string;
  kind: string;
  action: string;
  merge_request_iid: number | null;
  run_id: number | null;
  received_at: Time;
}

/** A dashboard sign-in (010); the session id itself is never stored. */
export interface DashboardSessionTable {
  /** SHA-256 of the session id (hex), as tokens are kept. */
  id_hash: string;
  kind: "admin" | "gitlab";
  /** "Administrator", or the GitLab user as "@username". */
  principal_name: string;
  /** The GitLab user's id; null for the admin. */
  principal_id: number | null;
  /** The GitLab user's token, sealed; null for the admin. */
  gitlab_token: string | null;
  created_at: Time;
  expires_at: Time;
}

export type ReadOnlyId = ColumnType<number, never, never>;
