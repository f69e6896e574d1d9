import type { Trigger } from "../api/types.ts";
import { CREDENTIALS, type SourceName } from "./sources.ts";

export type LabelRule = "none" | "every" | "label";

/** The trigger form's state: every input as the text it shows. */
export interface TriggerFormValues {
  source: SourceName;
  name: string;
  auth: string;
  executor: string;
  labelRule: LabelRule;
  label: string;
  mention: string;
  botIdentity: string;
  startStatus: string;
  rateLimit: string;
  rateWindow: string;
  branchTemplate: string;
  signingSecret: string;
  credentials: Record<string, string>;
  syncComment: boolean;
  syncLink: boolean;
  callbackUrl: string;
  giveUpAfter: string;
  noteField: string;
  /** The stored sync settings, so keys the form does not show survive. */
  otherSync: Record<string, unknown>;
}

export function emptyValues(): TriggerFormValues {
  return {
    source: "generic",
    name: "",
    auth: "signature",
    executor: "agent",
    labelRule: "none",
    label: "flowgate",
    mention: "@flowgate",
    botIdentity: "",
    startStatus: "",
    rateLimit: "600",
    rateWindow: "60",
    branchTemplate: "ai/{external_reference}-{slug}",
    signingSecret: "",
    credentials: {},
    syncComment: true,
    syncLink: true,
    callbackUrl: "",
    giveUpAfter: "",
    noteField: "work_notes",
    otherSync: {},
  };
}

export function valuesOf(trigger: Trigger): TriggerFormValues {
  const sync = trigger.sync;
  return {
    ...emptyValues(),
    source: trigger.source as SourceName,
    name: trigger.name,
    auth: trigger.auth,
    executor: trigger.executor,
    labelRule:
      trigger.label === null
        ? "none"
        : trigger.label === ""
          ? "every"
          : "label",
    label: trigger.label || "flowgate",
    mention: trigger.mention,
    botIdentity: trigger.bot_identity ?? "",
    startStatus: trigger.start_status ?? "",
    rateLimit: String(trigger.rate_limit.limit),
    rateWindow: String(trigger.rate_limit.window_s),
    branchTemplate: trigger.branch_template,
    syncComment: sync.comment !== false,
    syncLink: sync.link !== false,
    callbackUrl: typeof sync.callback_url === "string" ? sync.callback_url : "",
    giveUpAfter:
      typeof sync.give_up_after_s === "number"
        ? String(sync.give_up_after_s)
        : "",
    noteField: sync.note_field === "comments" ? "comments" : "work_notes",
    otherSync: sync,
  };
}

/**
 * The API body for the values. Blank write-only fields (credentials, the
 * signing secret) are left out, which keeps what is stored.
 */
export function bodyOf(
  values: TriggerFormValues,
  mode: "create" | "edit",
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    name: values.name.trim() || `${values.source} trigger`,
    auth: values.auth,
    executor: values.executor,
    label:
      values.labelRule === "none"
        ? null
        : values.labelRule === "every"
          ? ""
          : values.label.trim(),
    mention: values.mention.trim() || null,
    bot_identity: values.botIdentity.trim() || null,
    start_status: values.startStatus.trim() || null,
    rate_limit: {
      limit: Number(values.rateLimit),
      window_s: Number(values.rateWindow),
    },
    branch_template: values.branchTemplate.trim(),
    sync: syncOf(values),
  };
  if (mode === "create") body.source = values.source;
  if (values.signingSecret.trim() !== "") {
    body.signing_secret = values.signingSecret.trim();
  }
  const credentials = credentialsOf(values);
  if (credentials) body.credentials = credentials;
  return body;
}

function syncOf(values: TriggerFormValues): Record<string, unknown> {
  const sync: Record<string, unknown> = {
    ...values.otherSync,
    comment: values.syncComment,
    link: values.syncLink,
  };
  delete sync.callback_url;
  delete sync.give_up_after_s;
  delete sync.note_field;
  if (values.callbackUrl.trim()) sync.callback_url = values.callbackUrl.trim();
  if (values.giveUpAfter.trim()) {
    sync.give_up_after_s = Number(values.giveUpAfter);
  }
  if (values.source === "servicenow") sync.note_field = values.noteField;
  return sync;
}

function credentialsOf(
  values: TriggerFormValues,
): Record<string, string> | null {
  const entries = CREDENTIALS[values.source]
    .map((field) => [field.key, (values.credentials[field.key] ?? "").trim()])
    .filter(([, value]) => value !== "");
  return entries.length === 0 ? null : Object.fromEntries(entries);
}
