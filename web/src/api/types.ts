// Shapes of the admin API answers the dashboard reads (docs/api.md).

export type RunStatus =
  | "queued"
  | "running"
  | "succeeded"
  | "failed"
  | "canceled";

export interface Project {
  id: number;
  path_with_namespace: string;
  default_branch: string;
  forge: { type: string };
  web_url: string;
}

export interface Run {
  id: number;
  project_id: number;
  trigger_id: number | null;
  workflow_type: string;
  executor: string;
  external_system: string;
  external_reference: string;
  external_url: string | null;
  title: string;
  status: RunStatus;
  branch: string | null;
  merge_request: { iid: number; web_url: string } | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface RunEvent {
  name: string;
  at: string;
  duration_ms: number | null;
  details: Record<string, unknown>;
}

export interface RunWithEvents extends Run {
  events: RunEvent[];
}

export interface TranscriptEntry {
  attempt: number;
  kind: string;
  at: string;
  duration_ms: number | null;
  details: Record<string, unknown>;
}

export interface RunMessage {
  id: number;
  event: string;
  action: string;
  status: "pending" | "delivered" | "gave_up" | "superseded";
  attempts: number;
  last_error: string | null;
  next_attempt_at: string | null;
  created_at: string;
  delivered_at: string | null;
}

export interface Delivery {
  id: number;
  trigger_id: number | null;
  delivery_key: string | null;
  outcome: string;
  status_code: number;
  reason: string | null;
  run_id: number | null;
  source_ip: string;
  headers: Record<string, string>;
  received_at: string;
}

export interface DeliveryWithBody extends Delivery {
  body: string | null;
}

export interface Trigger {
  id: number;
  source: string;
  name: string;
  workflow_types: string[];
  default_workflow_type: string;
  auth: string;
  rate_limit: { limit: number; window_s: number };
  branch_template: string;
  executor: string;
  label: string | null;
  mention: string;
  bot_identity?: string | null;
  start_status?: string | null;
  enabled: boolean;
  credentials_set: boolean;
  sync: Record<string, unknown>;
  webhook_url: string;
  previous_secrets_expire_at: string | null;
  created_at: string;
}

export interface TriggerWithSecrets extends Trigger {
  token: string;
  signing_secret: string;
}

export interface AuditEvent {
  id: number;
  details: {
    custom_message?: string;
    author_name?: string;
    target_type?: string;
    target_id?: number | string;
    target_details?: unknown;
    ip_address?: string;
    run_id?: number;
    external_reference?: string;
    [key: string]: unknown;
  };
  created_at: string;
}

export interface CompareDiff {
  old_path: string;
  new_path: string;
  new_file: boolean;
  renamed_file: boolean;
  deleted_file: boolean;
  diff: string;
  /** The patch was left out for its size (the diff is empty). */
  too_large: boolean;
}

export interface Compare {
  diffs: CompareDiff[];
}
