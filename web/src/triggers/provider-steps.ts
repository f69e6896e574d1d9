import type { SourceName } from "./sources.ts";

// The set-up steps of each provider after the trigger exists, short forms
// of docs/providers/*.md. "URL", "secret" and "token" are shown above them.

export const PROVIDER_STEPS: Record<SourceName, string[]> = {
  generic: [
    "POST JSON ({title, external_reference, …}) to the webhook URL.",
    "Sign each request the Standard Webhooks way with the signing secret: headers webhook-id, webhook-timestamp and webhook-signature (v1,<base64 HMAC-SHA256 of id.timestamp.body>).",
    "With auth token or token+signature, also send the token as X-Gitlab-Token or Authorization: Bearer.",
  ],
  jira: [
    "In Jira: Settings (⚙) → System → WebHooks → Create a WebHook.",
    "URL: the webhook URL. Secret: the signing secret, the whole string including whsec_.",
    "Events: Issue created, updated and deleted; Comment created. Optionally narrow with JQL (project = SHOP).",
    "Save, then label an issue with the trigger's label: the delivery appears under Deliveries.",
  ],
  jira_dc: [
    "In Jira: Administration (⚙) → System → WebHooks → Create a WebHook.",
    "URL: the webhook URL. Secret (where offered): the signing secret, whole.",
    "Events: Issue created, updated, deleted; Comment created.",
    "Without a secret field: set the trigger's auth to token and put the token in the URL as https://jira:<token>@host/…/webhook.",
  ],
  github: [
    "On GitHub: the repository's Settings → Webhooks → Add webhook.",
    "Payload URL: the webhook URL. Content type: application/json. Secret: the signing secret, whole.",
    "Which events: Let me select individual events → Issues and Issue comments; untick Pushes.",
    "Add webhook: GitHub's ping is answered 200 (ignored: the webhook is set up).",
  ],
  linear: [
    "In Linear: Settings → API → Webhooks → New webhook (workspace admins).",
    "URL: the webhook URL. Data change events: Issues and Comments; choose the team.",
    "Copy Linear's signing secret into this trigger (Edit → signing secret) if you did not paste it when creating it.",
    "Keep the server's clock synchronized: Linear deliveries older than 60 seconds are refused.",
  ],
  servicenow: [
    "System Web Services → Outbound → REST Message → New: endpoint the webhook URL, Basic authentication whose password is the token (any user name).",
    "Add an HTTP method POST named notify with header Content-Type: application/json.",
    "System Definition → Business Rules → New on incident: Advanced, after Insert, Update and Delete, with the script from docs/providers/servicenow.md.",
  ],
  slack: [
    "The trigger's signing secret must be the app's Signing Secret (Basic Information); paste it when creating or editing the trigger.",
    "Slash Commands → Create New Command: /flowgate, Request URL the webhook URL.",
    "Event Subscriptions → Enable Events, Request URL the same URL; Slack's challenge is answered and it turns Verified.",
    "Subscribe to the bot event app_mention, then install the app to the workspace.",
  ],
};
