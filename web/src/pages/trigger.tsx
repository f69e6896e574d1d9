import { useState } from "preact/hooks";
import { describeError } from "../api/api-error.ts";
import { requestJson } from "../api/client.ts";
import { workflowsApi } from "../api/paths.ts";
import type { Trigger, TriggerWithSecrets } from "../api/types.ts";
import { ErrorMessage } from "../components/error-message.tsx";
import { formatTime } from "../components/format.ts";
import { ProjectNav } from "../components/project-nav.tsx";
import { useLoad } from "../components/use-load.ts";
import {
  bodyOf,
  type TriggerFormValues,
  valuesOf,
} from "../triggers/form-values.ts";
import { SecretsOnce } from "../triggers/secrets-once.tsx";
import { TriggerForm } from "../triggers/trigger-form.tsx";

export function TriggerPage(props: {
  params: { id: string; triggerId: string };
}) {
  const { id: projectId, triggerId } = props.params;
  const api = `${workflowsApi(projectId)}/triggers/${triggerId}`;
  const trigger = useLoad(() => requestJson<Trigger>(api), api);
  const [rotated, setRotated] = useState<TriggerWithSecrets | null>(null);
  const [grace, setGrace] = useState("86400");
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const change = async (
    path: string,
    method: string,
    body: unknown,
    done: (answer: TriggerWithSecrets) => void,
  ) => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const answer = await requestJson<TriggerWithSecrets>(`${api}${path}`, {
        method,
        body,
      });
      trigger.setData(answer);
      done(answer);
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  };

  const save = (values: TriggerFormValues) =>
    change("", "PATCH", bodyOf(values, "edit"), () =>
      setNotice("The trigger is saved."),
    );
  const toggle = (enabled: boolean) =>
    change("", "PATCH", { enabled }, () =>
      setNotice(
        enabled ? "The trigger is enabled." : "The trigger is disabled.",
      ),
    );
  const rotate = () =>
    change("/rotate", "POST", { grace_period_s: Number(grace) }, setRotated);

  const data = trigger.data;
  return (
    <section>
      <ProjectNav projectId={projectId} current="triggers" />
      <h1>Trigger {data ? data.name : `#${triggerId}`}</h1>
      <ErrorMessage error={trigger.error ?? error} />
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {data && (
        <>
          <dl class="facts">
            <dt>Source</dt>
            <dd>{data.source}</dd>
            <dt>State</dt>
            <dd>{data.enabled ? "enabled" : "disabled"}</dd>
            <dt>Webhook URL</dt>
            <dd>
              <code>{data.webhook_url}</code>
            </dd>
            <dt>Previous secrets valid until</dt>
            <dd>{formatTime(data.previous_secrets_expire_at)}</dd>
          </dl>
          <div class="actions">
            <button
              type="button"
              disabled={busy}
              onClick={() => toggle(!data.enabled)}
            >
              {data.enabled ? "Disable trigger" : "Enable trigger"}
            </button>
          </div>

          <section aria-labelledby="rotate-heading" class="panel">
            <h2 id="rotate-heading">Rotate the token and signing secret</h2>
            <form
              class="inline-form"
              onSubmit={(event) => {
                event.preventDefault();
                rotate();
              }}
            >
              <label for="grace">
                Grace period for the current ones, in seconds
              </label>
              <input
                id="grace"
                type="number"
                min="0"
                max="2592000"
                value={grace}
                onInput={(event) => setGrace(event.currentTarget.value)}
              />
              <button type="submit" disabled={busy}>
                Rotate secrets
              </button>
            </form>
            {rotated && (
              <SecretsOnce
                heading="New token and signing secret"
                source={rotated.source}
                webhookUrl={rotated.webhook_url}
                token={rotated.token}
                signingSecret={rotated.signing_secret}
              />
            )}
          </section>

          <section aria-labelledby="edit-heading" class="panel">
            <h2 id="edit-heading">Rules and settings</h2>
            <TriggerForm
              key={data.id}
              mode="edit"
              initial={valuesOf(data)}
              credentialsSet={data.credentials_set}
              busy={busy}
              onSubmit={save}
            />
          </section>
        </>
      )}
    </section>
  );
}
