import { useState } from "preact/hooks";
import { requestList } from "../api/client.ts";
import { workflowsApi } from "../api/paths.ts";
import type { AuditEvent } from "../api/types.ts";
import { ErrorMessage } from "../components/error-message.tsx";
import { formatTime } from "../components/format.ts";
import { LoadOlder } from "../components/load-older.tsx";
import { ProjectNav } from "../components/project-nav.tsx";
import { usePagedList } from "../components/use-paged-list.ts";

/** Audit events asked for at a time (the API's largest page). */
const AUDIT_EVENTS_PER_PAGE = 100;

interface Filters {
  search: string;
  from: string;
  to: string;
}

export function AuditPage(props: { params: { id: string } }) {
  const projectId = props.params.id;
  const [draft, setDraft] = useState<Filters>({ search: "", from: "", to: "" });
  const [filters, setFilters] = useState<Filters>(draft);

  const events = usePagedList(
    (page) =>
      requestList<AuditEvent>(`${workflowsApi(projectId)}/audit_events`, {
        search: filters.search,
        created_after: filters.from ? `${filters.from}T00:00:00Z` : undefined,
        created_before: filters.to ? dayAfter(filters.to) : undefined,
        page,
        per_page: AUDIT_EVENTS_PER_PAGE,
      }),
    `${projectId} ${JSON.stringify(filters)}`,
    AUDIT_EVENTS_PER_PAGE,
  );

  return (
    <section>
      <ProjectNav projectId={projectId} current="audit" />
      <h1>Audit log</h1>
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault();
          setFilters({ ...draft, search: draft.search.trim() });
        }}
      >
        <label>
          Action, author or target
          <input
            type="search"
            value={draft.search}
            onInput={(event) =>
              setDraft({ ...draft, search: event.currentTarget.value })
            }
          />
        </label>
        <label>
          From (UTC day)
          <input
            type="date"
            value={draft.from}
            onInput={(event) =>
              setDraft({ ...draft, from: event.currentTarget.value })
            }
          />
        </label>
        <label>
          To (UTC day, included)
          <input
            type="date"
            value={draft.to}
            onInput={(event) =>
              setDraft({ ...draft, to: event.currentTarget.value })
            }
          />
        </label>
        <button type="submit">Filter</button>
      </form>
      <ErrorMessage error={events.error} />
      <table class="list">
        <caption class="visually-hidden">Audit events, newest first</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Action</th>
            <th scope="col">Author</th>
            <th scope="col">Target</th>
            <th scope="col">Ticket</th>
            <th scope="col">Address</th>
          </tr>
        </thead>
        <tbody>
          {events.data?.items.map((event) => (
            <tr key={event.id}>
              <td>{formatTime(event.created_at)}</td>
              <td>{event.details.custom_message ?? "—"}</td>
              <td>{event.details.author_name ?? "—"}</td>
              <td>
                {event.details.target_type ?? ""}{" "}
                {event.details.target_id ?? ""}
              </td>
              <td>{event.details.external_reference ?? "—"}</td>
              <td>{event.details.ip_address ?? "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {events.data?.items.length === 0 && <p>No events match.</p>}
      <LoadOlder list={events} noun="events" />
    </section>
  );
}

/** The start of the day after `day` (YYYY-MM-DD), so `to` includes it. */
function dayAfter(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString();
}
