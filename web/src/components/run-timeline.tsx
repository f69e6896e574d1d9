import type { RunEvent } from "../api/types.ts";
import { formatDuration, formatTime } from "./format.ts";

/** The run's steps, oldest first, with what each took. */
export function RunTimeline(props: { events: RunEvent[] }) {
  return (
    <table class="list">
      <caption>Timeline</caption>
      <thead>
        <tr>
          <th scope="col">Step</th>
          <th scope="col">At</th>
          <th scope="col">Took</th>
          <th scope="col">Details</th>
        </tr>
      </thead>
      <tbody>
        {props.events.map((event, index) => (
          <tr key={`${event.name}-${index}`}>
            <th scope="row">{event.name}</th>
            <td class="nowrap">{formatTime(event.at)}</td>
            <td class="nowrap">{formatDuration(event.duration_ms)}</td>
            <td>
              <code class="details">{describeDetails(event.details)}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function describeDetails(details: Record<string, unknown>): string {
  return Object.entries(details)
    .map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
    .join(", ");
}
