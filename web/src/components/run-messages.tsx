import { useState } from "preact/hooks";
import { describeError } from "../api/api-error.ts";
import { requestJson, requestList } from "../api/client.ts";
import type { RunMessage } from "../api/types.ts";
import { ErrorMessage } from "./error-message.tsx";
import { formatTime } from "./format.ts";
import { StatusBadge } from "./status-badge.tsx";
import { useLoad } from "./use-load.ts";

/** What the run reported back, with attempts; a given-up one can retry. */
export function RunMessages(props: { runApi: string; version: string }) {
  const [error, setError] = useState<string | null>(null);
  const messages = useLoad(
    () =>
      requestList<RunMessage>(`${props.runApi}/messages`, {
        per_page: 100,
      }),
    `${props.runApi} ${props.version}`,
  );

  const retry = async (message: RunMessage) => {
    setError(null);
    try {
      await requestJson(`${props.runApi}/messages/${message.id}/retry`, {
        method: "POST",
      });
      messages.reload();
    } catch (failure) {
      setError(describeError(failure));
    }
  };

  return (
    <section aria-labelledby="messages">
      <h2 id="messages">Reporting back</h2>
      <ErrorMessage error={messages.error ?? error} />
      {messages.data?.items.length === 0 ? (
        <p>No messages: the trigger reports nothing back for this run.</p>
      ) : (
        <table class="list">
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Action</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last error</th>
              <th scope="col">Delivered / next attempt</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {messages.data?.items.map((message) => (
              <tr key={message.id}>
                <td>{message.event}</td>
                <td>{message.action}</td>
                <td>
                  <StatusBadge status={message.status} />
                </td>
                <td>{message.attempts}</td>
                <td>{message.last_error ?? "—"}</td>
                <td>
                  {formatTime(message.delivered_at ?? message.next_attempt_at)}
                </td>
                <td>
                  {message.status === "gave_up" && (
                    <button type="button" onClick={() => retry(message)}>
                      Retry message {message.id}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
