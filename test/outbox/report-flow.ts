import type { FakeModelServer } from "../fakes/fake-model-server.ts";
import { startOpenAiFake } from "../fakes/fake-openai.ts";
import type { ProviderServer } from "../sources/provider-server.ts";

// What the report-flow suites share: a run that fails for a reason the
// ticket should hear, and waiting for a run's messages to go out.

const MODEL_KEY = "sk-report-flow-model-key-0123456789";
const REVOKED_KEY = "sk-report-flow-revoked-key-9876543210";

/** A model endpoint that refuses the trigger's key (401), so a run of a
 * trigger with `model` fails at its first model call, before any
 * merge request exists. */
export interface RefusingModel {
  fake: FakeModelServer;
  /** The trigger's `model` setting, with the key it refuses. */
  settings: Record<string, string>;
  /** The URL the run's error names. */
  endpoint: string;
}

export async function startRefusingModel(): Promise<RefusingModel> {
  const fake = await startOpenAiFake(MODEL_KEY);
  return {
    fake,
    settings: {
      kind: "openai-compatible",
      name: "gpt-test",
      base_url: `${fake.url}/v1`,
      api_key: REVOKED_KEY,
    },
    endpoint: `${fake.url}/v1/chat/completions`,
  };
}

/**
 * Polls the run's outbox until it holds `count` messages, all
 * delivered. A message that gave up or was superseded ends the wait at
 * once, with the messages in the error, since it will never be
 * delivered.
 */
export async function untilDelivered(
  fg: ProviderServer,
  runId: number,
  count: number,
  timeoutMs = 20_000,
): Promise<Record<string, any>[]> {
  const path = `/api/v4/projects/${fg.projectId}/workflows/runs/${runId}/messages`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const messages: Record<string, any>[] = (await fg.server.admin("GET", path))
      .body;
    const settled = messages.filter((message) => message.status !== "pending");
    if (settled.some((message) => message.status !== "delivered")) {
      throw new Error(
        `a message was not delivered: ${JSON.stringify(messages)}`,
      );
    }
    if (messages.length === count && settled.length === count) return messages;
    if (messages.length > count || Date.now() > deadline) {
      throw new Error(
        `expected ${count} delivered messages: ${JSON.stringify(messages)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
