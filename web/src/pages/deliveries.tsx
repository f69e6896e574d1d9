import { useState } from "preact/hooks";
import { requestList } from "../api/client.ts";
import { projectPage, workflowsApi } from "../api/paths.ts";
import type { Delivery } from "../api/types.ts";
import { ErrorMessage } from "../components/error-message.tsx";
import { formatTime } from "../components/format.ts";
import { ProjectNav } from "../components/project-nav.tsx";
import { StatusBadge } from "../components/status-badge.tsx";
import { useLoad } from "../components/use-load.ts";

const OUTCOMES = ["accepted", "duplicate", "ignored", "canceled", "refused"];

export function DeliveriesPage(props: { params: { id: string } }) {
  const projectId = props.params.id;
  const [outcome, setOutcome] = useState("");
  const [reason, setReason] = useState("");

  const deliveries = useLoad(
    () =>
      requestList<Delivery>(`${workflowsApi(projectId)}/deliveries`, {
        outcome,
        per_page: 100,
      }),
    `${projectId} ${outcome}`,
  );

  // The API filters by outcome; the reason is matched on the loaded page.
  const needle = reason.trim().toLowerCase();
  const shown = deliveries.data?.items.filter(
    (delivery) =>
      needle === "" || (delivery.reason ?? "").toLowerCase().includes(needle),
  );

  return (
    <section>
      <ProjectNav projectId={projectId} current="deliveries" />
      <h1>Deliveries</h1>
      <form class="filters" onSubmit={(event) => event.preventDefault()}>
        <label>
          Outcome
          <select
            value={outcome}
            onChange={(event) => setOutcome(event.currentTarget.value)}
          >
            <option value="">any</option>
            {OUTCOMES.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Reason contains
          <input
            type="search"
            value={reason}
            onInput={(event) => setReason(event.currentTarget.value)}
          />
        </label>
        <button type="button" onClick={deliveries.reload}>
          Refresh
        </button>
      </form>
      <ErrorMessage error={deliveries.error} />
      <table class="list">
        <caption class="visually-hidden">Deliveries, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Delivery</th>
            <th scope="col">Outcome</th>
            <th scope="col">Status</th>
            <th scope="col">Reason</th>
            <th scope="col">Trigger</th>
            <th scope="col">Run</th>
            <th scope="col">Received</th>
          </tr>
        </thead>
        <tbody>
          {shown?.map((delivery) => (
            <tr key={delivery.id}>
              <td>
                <a href={projectPage(projectId, `deliveries/${delivery.id}`)}>
                  #{delivery.id}
                </a>
              </td>
              <td>
                <StatusBadge status={delivery.outcome} />
              </td>
              <td>{delivery.status_code}</td>
              <td class="reason">{delivery.reason ?? "—"}</td>
              <td>{delivery.trigger_id ?? "—"}</td>
              <td>
                {delivery.run_id === null ? (
                  "—"
                ) : (
                  <a href={projectPage(projectId, `runs/${delivery.run_id}`)}>
                    #{delivery.run_id}
                  </a>
                )}
              </td>
              <td>{formatTime(delivery.received_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {shown?.length === 0 && <p>No deliveries match.</p>}
    </section>
  );
}
