import { z } from "zod";

/** A wake as it travels between the processes of a deployment. */
export interface WakeMessage {
  /** The RemoteWakeups that sent it, so that it skips its own. */
  origin: string;
  /** The work whose follower it wakes, like `gitlab_duo:7`. */
  key: string;
  /** What happened, like `flow.completed`. */
  reason: string;
}

// Anyone who may connect to the database may notify the channel, so a
// message is read as untrusted input: short fields, plain where Flowgate
// makes them. The reason is GitLab's event name, as long as the flow
// callback route lets it be.
const wakeMessage = z.object({
  origin: z.string().regex(/^[\w-]{1,64}$/),
  key: z.string().regex(/^[\w.:-]{1,128}$/),
  reason: z.string().min(1).max(64),
});

/** The text of a notification carrying `message`. */
export function encodeWake(message: WakeMessage): string {
  return JSON.stringify(message);
}

/** The wake a notification carries, or undefined for any other text. */
export function decodeWake(text: string): WakeMessage | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const result = wakeMessage.safeParse(parsed);
  return result.success ? result.data : undefined;
}
