import { useState } from "preact/hooks";
import { type ListPage, requestJson, requestList } from "../api/client.ts";
import { projectApi, workflowsApi } from "../api/paths.ts";
import type { Project, Run, Trigger } from "../api/types.ts";
import { ErrorMessage } from "../components/error-message.tsx";
import { LoadOlder } from "../components/load-older.tsx";
import { ProjectNav } from "../components/project-nav.tsx";
import { RunRow } from "../components/run-row.tsx";
import { useLoad } from "../components/use-load.ts";
import { usePagedList } from "../components/use-paged-list.ts";
import { useRunEvents } from "../components/use-run-events.ts";

const STATUSES = ["queued", "running", "succeeded", "failed", "canceled"];

/** Runs asked for at a time, first and on each "Load older runs". */
const RUNS_PER_PAGE = 50;

interface Filters {
  status: string;
  trigger_id: string;
  search: string;
}

export function RunsPage(props: { params: { id: string } }) {
  const projectId = props.params.id;
  const api = workflowsApi(projectId);
  const [filters, setFilters] = useState<Filters>({
    status: "",
    trigger_id: "",
    search: "",
  });
  const [draft, setDraft] = useState("");

  const project = useLoad(
    () => requestJson<Project>(projectApi(projectId)),
    projectId,
  );
  const triggers = useLoad(
    () => requestList<Trigger>(`${api}/triggers`, { per_page: 100 }),
    projectId,
  );
  const runs = usePagedList(
    (page) =>
      requestList<Run>(`${api}/runs`, {
        ...filters,
        page,
        per_page: RUNS_PER_PAGE,
      }),
    `${projectId} ${JSON.stringify(filters)}`,
    RUNS_PER_PAGE,
  );

  const live = useRunEvents(`${api}/runs/events`, (run) => {
    runs.setData((page) => mergeRun(page, run, matches(run, filters)));
  });

  const gitlab = project.data?.forge.type === "gitlab";
  return (
    <section>
      <ProjectNav projectId={projectId} current="runs" />
      <h1>Runs</h1>
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault();
          setFilters({ ...filters, search: draft.trim() });
        }}
      >
        <label>
          Status
          <select
            value={filters.status}
            onChange={(event) =>
              setFilters({ ...filters, status: event.currentTarget.value })
            }
          >
            <option value="">any</option>
            {STATUSES.map((status) => (
              <option key={status} value={status}>
                {status}
              </option>
            ))}
          </select>
        </label>
        <label>
          Trigger
          <select
            value={filters.trigger_id}
            onChange={(event) =>
              setFilters({ ...filters, trigger_id: event.currentTarget.value })
            }
          >
            <option value="">any</option>
            {triggers.data?.items.map((trigger) => (
              <option key={trigger.id} value={String(trigger.id)}>
                {trigger.name} (#{trigger.id})
              </option>
            ))}
          </select>
        </label>
        <label>
          Title or ticket
          <input
            type="search"
            value={draft}
            onInput={(event) => setDraft(event.currentTarget.value)}
          />
        </label>
        <button type="submit">Search</button>
      </form>
      <p class="hint" aria-live="polite">
        {live === "live"
          ? "Live: new runs and changes appear here as they happen."
          : live === "connecting"
            ? "Connecting to live updates…"
            : "Live updates interrupted; reconnecting…"}
      </p>
      <ErrorMessage error={runs.error ?? project.error} />
      <table class="list">
        <caption class="visually-hidden">Runs, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Status</th>
            <th scope="col">Ticket</th>
            <th scope="col">Merge request</th>
            <th scope="col">Executor</th>
            <th scope="col">Wait / run time</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {runs.data?.items.map((run) => (
            <RunRow
              key={run.id}
              projectId={projectId}
              run={run}
              gitlab={gitlab}
            />
          ))}
        </tbody>
      </table>
      {runs.data?.items.length === 0 && <p>No runs match.</p>}
      <LoadOlder list={runs} noun="runs" />
    </section>
  );
}

/** Whether a run from the live stream belongs in the filtered list. */
function matches(run: Run, filters: Filters): boolean {
  if (filters.status && run.status !== filters.status) return false;
  if (filters.trigger_id && String(run.trigger_id) !== filters.trigger_id) {
    return false;
  }
  const search = filters.search.toLowerCase();
  return (
    search === "" ||
    run.title.toLowerCase().includes(search) ||
    run.external_reference.toLowerCase().includes(search)
  );
}

/**
 * Replaces a known run in place and puts a new one at the top (newest
 * first); a run that no longer matches the filters leaves the list. The
 * list stays the newest runs that match, with none missing in between,
 * so that the next older page starts where it ends: a run older than the
 * oldest shown, while older pages are not loaded, waits for them.
 */
function mergeRun(
  page: ListPage<Run> | undefined,
  run: Run,
  belongs: boolean,
): ListPage<Run> | undefined {
  const items = page?.items ?? [];
  const oldest = items.at(-1);
  const known = items.some((item) => item.id === run.id);
  if (!known && page?.nextPage != null && oldest && run.id < oldest.id) {
    return page;
  }
  const others = items.filter((item) => item.id !== run.id);
  const merged = belongs
    ? [run, ...others].sort((a, b) => b.id - a.id)
    : others;
  return {
    items: merged,
    total: (page?.total ?? 0) + (merged.length - items.length),
    nextPage: page?.nextPage ?? null,
  };
}
