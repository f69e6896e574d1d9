import { useState } from "preact/hooks";
import { describeError } from "../api/api-error.ts";
import { requestJson } from "../api/client.ts";
import { projectPage, workflowsApi } from "../api/paths.ts";
import type { TriggerWithSecrets } from "../api/types.ts";
import { ErrorMessage } from "../components/error-message.tsx";
import { ProjectNav } from "../components/project-nav.tsx";
import {
  bodyOf,
  emptyValues,
  type TriggerFormValues,
} from "../triggers/form-values.ts";
import { SecretsOnce } from "../triggers/secrets-once.tsx";
import { TriggerForm } from "../triggers/trigger-form.tsx";

export function TriggerNewPage(props: { params: { id: string } }) {
  const projectId = props.params.id;
  const [created, setCreated] = useState<TriggerWithSecrets | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const create = async (values: TriggerFormValues) => {
    setBusy(true);
    setError(null);
    try {
      setCreated(
        await requestJson<TriggerWithSecrets>(
          `${workflowsApi(projectId)}/triggers`,
          { method: "POST", body: bodyOf(values, "create") },
        ),
      );
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <ProjectNav projectId={projectId} current="triggers" />
      <h1>New trigger</h1>
      {created ? (
        <>
          <SecretsOnce
            heading={`Trigger ${created.name} is created`}
            source={created.source}
            webhookUrl={created.webhook_url}
            token={created.token}
            signingSecret={created.signing_secret}
          />
          <p>
            <a href={projectPage(projectId, `triggers/${created.id}`)}>
              Open the trigger
            </a>
          </p>
        </>
      ) : (
        <>
          <TriggerForm
            mode="create"
            initial={emptyValues()}
            busy={busy}
            onSubmit={create}
          />
          <ErrorMessage error={error} />
        </>
      )}
    </section>
  );
}
