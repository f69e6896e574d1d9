import { useEffect, useRef, useState } from "preact/hooks";
import type { Run } from "../api/types.ts";

export type LiveState = "connecting" | "live" | "reconnecting";

/**
 * Follows the project's run events and hands each changed run to
 * `onRun`. EventSource sends the cookie (same origin) and resumes with
 * Last-Event-ID by itself after a dropped connection.
 */
export function useRunEvents(
  eventsUrl: string,
  onRun: (run: Run) => void,
): LiveState {
  const [state, setState] = useState<LiveState>("connecting");
  // The stream outlives renders; it calls whichever handler is newest, so
  // changed filters apply without reconnecting.
  const handler = useRef(onRun);
  handler.current = onRun;

  useEffect(() => {
    const source = new EventSource(eventsUrl);
    source.onopen = () => setState("live");
    source.onerror = () => setState("reconnecting");
    source.addEventListener("run", (event) => {
      try {
        handler.current(
          JSON.parse((event as MessageEvent<string>).data) as Run,
        );
      } catch {
        // A malformed event is skipped; the next one carries the state.
      }
    });
    return () => source.close();
  }, [eventsUrl]);

  return state;
}
