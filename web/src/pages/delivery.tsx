import { useState } from "preact/hooks";
import { describeError } from "../api/api-error.ts";
import { requestAnswer, requestJson } from "../api/client.ts";
import { projectPage, workflowsApi } from "../api/paths.ts";
import type { DeliveryWithBody } from "../api/types.ts";
import { ErrorMessage } from "../components/error-message.tsx";
import { formatTime } from "../components/format.ts";
import { maskHeaders } from "../components/mask-headers.ts";
import { ProjectNav } from "../components/project-nav.tsx";
import { StatusBadge } from "../components/status-badge.tsx";
import { useLoad } from "../components/use-load.ts";

interface Answer {
  status: number;
  body: unknown;
}

export function DeliveryPage(props: {
  params: { id: string; deliveryId: string };
}) {
  const { id: projectId, deliveryId } = props.params;
  const api = `${workflowsApi(projectId)}/deliveries/${deliveryId}`;
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const delivery = useLoad(() => requestJson<DeliveryWithBody>(api), api);

  const redeliver = async () => {
    setBusy(true);
    setError(null);
    setAnswer(null);
    try {
      setAnswer(await requestAnswer(`${api}/redeliver`, { method: "POST" }));
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  };

  const data = delivery.data;
  return (
    <section>
      <ProjectNav projectId={projectId} current="deliveries" />
      <h1>Delivery #{deliveryId}</h1>
      <ErrorMessage error={delivery.error} />
      {data && (
        <>
          <dl class="facts">
            <dt>Outcome</dt>
            <dd>
              <StatusBadge status={data.outcome} /> ({data.status_code})
            </dd>
            <dt>Reason</dt>
            <dd class="reason">{data.reason ?? "—"}</dd>
            <dt>Received</dt>
            <dd>
              {formatTime(data.received_at)} from {data.source_ip}
            </dd>
            <dt>Trigger</dt>
            <dd>
              {data.trigger_id === null ? (
                "none"
              ) : (
                <a href={projectPage(projectId, `triggers/${data.trigger_id}`)}>
                  #{data.trigger_id}
                </a>
              )}
            </dd>
            <dt>Run</dt>
            <dd>
              {data.run_id === null ? (
                "none"
              ) : (
                <a href={projectPage(projectId, `runs/${data.run_id}`)}>
                  #{data.run_id}
                </a>
              )}
            </dd>
            <dt>Delivery key</dt>
            <dd>
              <code>{data.delivery_key ?? "—"}</code>
            </dd>
          </dl>
          <div class="actions">
            <button type="button" disabled={busy} onClick={redeliver}>
              Redeliver
            </button>
            <span class="hint">
              Replays the stored body with the trigger's current settings; your
              session stands in for the sender's token and signature.
            </span>
          </div>
          <ErrorMessage error={error} />
          {answer && (
            <section aria-labelledby="answer" class="answer" aria-live="polite">
              <h2 id="answer">Redelivery answered {answer.status}</h2>
              {answeredRun(answer) !== null && (
                <p>
                  <a
                    href={projectPage(projectId, `runs/${answeredRun(answer)}`)}
                  >
                    Open run #{answeredRun(answer)}
                  </a>
                </p>
              )}
              <pre>{JSON.stringify(answer.body, null, 2)}</pre>
            </section>
          )}
          <h2>Headers</h2>
          <table class="list">
            <tbody>
              {maskHeaders(data.headers).map(([name, value]) => (
                <tr key={name}>
                  <th scope="row">{name}</th>
                  <td>
                    <code>{value}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Body</h2>
          <pre class="body">{prettyBody(data.body)}</pre>
        </>
      )}
    </section>
  );
}

/** The run a successful redelivery started or joined, if any. */
function answeredRun(answer: Answer): number | null {
  if (answer.status >= 300) return null;
  const body = answer.body as { id?: unknown; status_url?: unknown } | null;
  const isRun = typeof body?.id === "number" && body.status_url !== undefined;
  return isRun ? (body.id as number) : null;
}

/** JSON indented for reading; anything else exactly as received. */
function prettyBody(body: string | null): string {
  if (body === null) return "(no body stored)";
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}
