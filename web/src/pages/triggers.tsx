import { requestList } from "../api/client.ts";
import { projectPage, workflowsApi } from "../api/paths.ts";
import type { Trigger } from "../api/types.ts";
import { ErrorMessage } from "../components/error-message.tsx";
import { ProjectNav } from "../components/project-nav.tsx";
import { useLoad } from "../components/use-load.ts";

export function TriggersPage(props: { params: { id: string } }) {
  const projectId = props.params.id;
  const triggers = useLoad(
    () =>
      requestList<Trigger>(`${workflowsApi(projectId)}/triggers`, {
        per_page: 100,
      }),
    projectId,
  );

  return (
    <section>
      <ProjectNav projectId={projectId} current="triggers" />
      <h1>Triggers</h1>
      <p>
        <a class="button" href={projectPage(projectId, "triggers/new")}>
          New trigger
        </a>
      </p>
      <ErrorMessage error={triggers.error} />
      <table class="list">
        <caption class="visually-hidden">Triggers</caption>
        <thead>
          <tr>
            <th scope="col">Trigger</th>
            <th scope="col">Source</th>
            <th scope="col">State</th>
            <th scope="col">Starts on</th>
            <th scope="col">Executor</th>
            <th scope="col">Webhook URL</th>
          </tr>
        </thead>
        <tbody>
          {triggers.data?.items.map((trigger) => (
            <tr key={trigger.id}>
              <td>
                <a href={projectPage(projectId, `triggers/${trigger.id}`)}>
                  {trigger.name}
                </a>{" "}
                <span class="hint">#{trigger.id}</span>
              </td>
              <td>{trigger.source}</td>
              <td>{trigger.enabled ? "enabled" : "disabled"}</td>
              <td>{describeRules(trigger)}</td>
              <td>{trigger.executor}</td>
              <td>
                <code>{trigger.webhook_url}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {triggers.data?.items.length === 0 && (
        <p>No trigger yet: create one to receive deliveries.</p>
      )}
    </section>
  );
}

function describeRules(trigger: Trigger): string {
  const rules = [];
  if (trigger.label === "") rules.push("every created ticket");
  else if (trigger.label) rules.push(`label ${trigger.label}`);
  if (trigger.mention) rules.push(`mention ${trigger.mention}`);
  if (trigger.start_status) rules.push(`status ${trigger.start_status}`);
  return rules.join(", ") || "—";
}
