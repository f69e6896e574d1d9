import { requestList } from "../api/client.ts";
import type { TranscriptEntry } from "../api/types.ts";
import { ErrorMessage } from "./error-message.tsx";
import { formatDuration, formatTime } from "./format.ts";
import { useLoad } from "./use-load.ts";

/** The agent's model and tool calls; the text is shown exactly as stored. */
export function RunTranscript(props: { runApi: string; version: string }) {
  const transcript = useLoad(
    () =>
      requestList<TranscriptEntry>(`${props.runApi}/transcript`, {
        per_page: 100,
      }),
    `${props.runApi} ${props.version}`,
  );

  return (
    <section aria-labelledby="transcript">
      <h2 id="transcript">Agent transcript</h2>
      <ErrorMessage error={transcript.error} />
      {transcript.data?.items.length === 0 && (
        <p>No transcript: the offline model or another executor ran.</p>
      )}
      <ol class="transcript">
        {transcript.data?.items.map((entry, index) => (
          <li key={`${entry.attempt}-${index}`}>
            <p>
              <strong>{entry.kind}</strong> (attempt {entry.attempt}) at{" "}
              {formatTime(entry.at)}, took {formatDuration(entry.duration_ms)}
            </p>
            <pre>{JSON.stringify(entry.details, null, 2)}</pre>
          </li>
        ))}
      </ol>
    </section>
  );
}
