import { useState } from "preact/hooks";
import { Check, Choice, Field } from "../components/field.tsx";
import type { LabelRule, TriggerFormValues } from "./form-values.ts";
import {
  CREDENTIALS,
  isSource,
  PROVIDER_MADE_SECRET,
  SOURCES,
} from "./sources.ts";

const AUTH_MODES = ["signature", "token", "token+signature"];
const EXECUTORS = ["agent", "gitlab_duo", "gitlab_pipeline"];
const LABEL_RULES: Record<LabelRule, string> = {
  none: "no label rule",
  every: "every created ticket",
  label: "tickets with this label",
};

interface Props {
  mode: "create" | "edit";
  initial: TriggerFormValues;
  credentialsSet?: boolean;
  busy: boolean;
  onSubmit: (values: TriggerFormValues) => void;
}

/** The trigger's settings, each with what it does. */
export function TriggerForm(props: Props) {
  const [values, setValues] = useState(props.initial);
  const set = (change: Partial<TriggerFormValues>) =>
    setValues((current) => ({ ...current, ...change }));
  const source = values.source;
  const editing = props.mode === "edit";

  return (
    <form
      class="trigger-form"
      onSubmit={(event) => {
        event.preventDefault();
        props.onSubmit(values);
      }}
    >
      <fieldset>
        <legend>Where deliveries come from</legend>
        <Choice
          id="source"
          label="Source"
          value={source}
          options={SOURCES}
          disabled={editing}
          onChange={(value) => {
            if (isSource(value)) set({ source: value, credentials: {} });
          }}
          help="The system that sends the webhooks: it decides how deliveries are signed and read. It cannot be changed later."
        />
        <Field
          id="name"
          label="Name"
          value={values.name}
          onInput={(name) => set({ name })}
          placeholder={`${source} trigger`}
          help="How this trigger is listed, such as the board or repository it serves."
        />
        <Choice
          id="auth"
          label="Authentication"
          value={values.auth}
          options={AUTH_MODES}
          onChange={(auth) => set({ auth })}
          help="What each delivery must carry: the signature made with the signing secret, the token, or both. ServiceNow sends a token."
        />
        <Field
          id="signing-secret"
          label={
            PROVIDER_MADE_SECRET.has(source)
              ? `Signing secret made by ${source}`
              : "Signing secret (optional)"
          }
          type="password"
          value={values.signingSecret}
          onInput={(signingSecret) => set({ signingSecret })}
          help={
            editing
              ? "Leave empty to keep the current secret; a new one replaces it at once, without a grace period."
              : PROVIDER_MADE_SECRET.has(source)
                ? "Slack and Linear make the secret they sign with: paste it here."
                : "Leave empty and Flowgate makes one (whsec_…), shown once after creating."
          }
        />
      </fieldset>

      <fieldset>
        <legend>What starts a run</legend>
        <Choice
          id="label-rule"
          label="Label rule"
          value={values.labelRule}
          options={Object.keys(LABEL_RULES)}
          onChange={(rule) => set({ labelRule: rule as LabelRule })}
          help="none: no run starts by label. every: every created ticket starts one. label: a ticket created with the label, or given it, starts one; removing the label cancels the run."
        />
        {values.labelRule === "label" && (
          <Field
            id="label"
            label="Label"
            value={values.label}
            onInput={(label) => set({ label })}
            required
            help="The tracker label that starts a run (generic: matched against context.labels)."
          />
        )}
        <Field
          id="mention"
          label="Mention"
          value={values.mention}
          onInput={(mention) => set({ mention })}
          help="A comment containing it starts or follows up a run; '<mention> stop' cancels the active run."
        />
        <Field
          id="start-status"
          label="Start status (optional)"
          value={values.startStatus}
          onInput={(startStatus) => set({ startStatus })}
          help="Moving a ticket into this status starts a run (case-insensitive)."
        />
        <Field
          id="bot-identity"
          label="Bot identity (optional)"
          value={values.botIdentity}
          onInput={(botIdentity) => set({ botIdentity })}
          help="The provider user Flowgate acts as: its own events start nothing, and mentioning it counts as the mention."
        />
      </fieldset>

      <fieldset>
        <legend>How the run works</legend>
        <Choice
          id="executor"
          label="Executor"
          value={values.executor}
          options={EXECUTORS}
          onChange={(executor) => set({ executor })}
          help="agent: Flowgate's own agent. gitlab_duo and gitlab_pipeline work on GitLab projects only."
        />
        <Field
          id="branch-template"
          label="Branch template"
          value={values.branchTemplate}
          onInput={(branchTemplate) => set({ branchTemplate })}
          required
          help="The run's branch name; placeholders {external_reference}, {slug} and {run_id}."
        />
        <Field
          id="rate-limit"
          label="Rate limit: deliveries"
          type="number"
          value={values.rateLimit}
          onInput={(rateLimit) => set({ rateLimit })}
          required
          help="At most this many deliveries per window are accepted (0 turns the limit off)."
        />
        <Field
          id="rate-window"
          label="Rate limit: window in seconds"
          type="number"
          value={values.rateWindow}
          onInput={(rateWindow) => set({ rateWindow })}
          required
          help="The window of the rate limit, 1 to 86,400 seconds."
        />
      </fieldset>

      <fieldset>
        <legend>Reporting back</legend>
        {CREDENTIALS[source].length === 0 ? (
          <p class="hint">
            A generic trigger reports back only through the callback URL.
          </p>
        ) : (
          <p class="hint">
            Credentials Flowgate uses to comment on and move the ticket. They
            are stored encrypted and never shown again
            {props.credentialsSet
              ? "; some are set: leave every field empty to keep them, or fill all to replace them."
              : "."}
          </p>
        )}
        {CREDENTIALS[source].map((field) => (
          <Field
            key={field.key}
            id={`credential-${field.key}`}
            label={`${field.label}${field.optional ? " (optional)" : ""}`}
            type={field.secret ? "password" : "text"}
            value={values.credentials[field.key] ?? ""}
            onInput={(value) =>
              set({
                credentials: { ...values.credentials, [field.key]: value },
              })
            }
            help={`credentials.${field.key}`}
          />
        ))}
        <Check
          id="sync-comment"
          label="Keep a tracking comment on the ticket"
          checked={values.syncComment}
          onChange={(syncComment) => set({ syncComment })}
          help="One comment (or Slack message) edited as the run goes on."
        />
        <Check
          id="sync-link"
          label="Link the merge request from the ticket"
          checked={values.syncLink}
          onChange={(syncLink) => set({ syncLink })}
          help="Where the provider can hold a link."
        />
        {source === "servicenow" && (
          <Choice
            id="note-field"
            label="ServiceNow note field"
            value={values.noteField}
            options={["work_notes", "comments"]}
            onChange={(noteField) => set({ noteField })}
            help="work_notes are internal; comments are visible to the caller."
          />
        )}
        <Field
          id="callback-url"
          label="Callback URL (optional)"
          type="url"
          value={values.callbackUrl}
          onInput={(callbackUrl) => set({ callbackUrl })}
          help="An https URL that receives every run event, signed with the signing secret."
        />
        <Field
          id="give-up-after"
          label="Give up after (seconds, optional)"
          type="number"
          value={values.giveUpAfter}
          onInput={(giveUpAfter) => set({ giveUpAfter })}
          help="How long a message is retried before giving up: 60 to 604,800; 86,400 when empty."
        />
      </fieldset>

      <button type="submit" disabled={props.busy}>
        {editing ? "Save changes" : "Create trigger"}
      </button>
    </form>
  );
}
