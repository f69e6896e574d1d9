import { useState } from "preact/hooks";
import { requestList } from "../api/client.ts";
import { projectPage, workflowsApi } from "../api/paths.ts";
import type { Delivery } from "../api/types.ts";
import { ErrorMessage } from "../components/error-message.tsx";
import { formatTime } from "../components/format.ts";
import { LoadOlder } from "../components/load-older.tsx";
import { ProjectNav } from "../components/project-nav.tsx";
import { StatusBadge } from "../components/status-badge.tsx";
import { usePagedList } from "../components/use-paged-list.ts";

const OUTCOMES = ["accepted", "duplicate", "ignored", "canceled", "refused"];

/** Deliveries asked for at a time (the API's largest page). */
const DELIVERIES_PER_PAGE = 100;

export function DeliveriesPage(props: { params: { id: string } }) {
  const projectId = props.params.id;
  const [outcome, setOutcome] = useState("");
  const [draft, setDraft] = useState("");
  const [search, setSearch] = useState("");

  const deliveries = usePagedList(
    (page) =>
      requestList<Delivery>(`${workflowsApi(projectId)}/deliveries`, {
        outcome,
        search,
        page,
        per_page: DELIVERIES_PER_PAGE,
      }),
    `${projectId} ${outcome} ${JSON.stringify(search)}`,
    DELIVERIES_PER_PAGE,
  );
  const shown = deliveries.data?.items;

  return (
    <section>
      <ProjectNav projectId={projectId} current="deliveries" />
      <h1>Deliveries</h1>
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault();
          setSearch(draft.trim());
        }}
      >
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
          Reason or delivery key
          <input
            type="search"
            value={draft}
            onInput={(event) => setDraft(event.currentTarget.value)}
          />
        </label>
        <button type="submit">Search</button>
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
      <LoadOlder list={deliveries} noun="deliveries" />
    </section>
  );
}
