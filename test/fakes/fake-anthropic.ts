import {
  type FakeModelServer,
  pieces,
  respondJson,
  startFakeModelServer,
  writeEvents,
} from "./fake-model-server.ts";

/**
 * Anthropic's Messages API (`POST /v1/messages`, headers `x-api-key` and
 * `anthropic-version`): a whole `message` with `text` and `tool_use`
 * content blocks and `stop_reason` `tool_use` or `end_turn`, or, when the
 * request says `stream: true`, the events message_start,
 * content_block_start/delta/stop (`text_delta`, `input_json_delta`),
 * message_delta and message_stop.
 */
export function startAnthropicFake(apiKey: string): Promise<FakeModelServer> {
  return startFakeModelServer(
    (request, reply, response, sequence) => {
      const id = `msg_${sequence}`;
      const model = request.json?.model ?? "unknown";
      const blocks: Record<string, unknown>[] = [];
      if (reply.text) blocks.push({ type: "text", text: reply.text });
      (reply.toolCalls ?? []).forEach((call, index) => {
        blocks.push({
          type: "tool_use",
          id: `toolu_${sequence}_${index}`,
          name: call.name,
          input: call.arguments,
        });
      });
      const stopReason = reply.toolCalls?.length ? "tool_use" : "end_turn";
      const usage = { input_tokens: 100 + sequence, output_tokens: 20 };

      if (request.json?.stream !== true) {
        respondJson(response, 200, {
          id,
          type: "message",
          role: "assistant",
          model,
          content: blocks,
          stop_reason: stopReason,
          stop_sequence: null,
          usage,
        });
        return;
      }

      const events: { event: string; data: unknown }[] = [
        {
          event: "message_start",
          data: {
            type: "message_start",
            message: {
              id,
              type: "message",
              role: "assistant",
              model,
              content: [],
              stop_reason: null,
              stop_sequence: null,
              usage: { input_tokens: usage.input_tokens, output_tokens: 1 },
            },
          },
        },
      ];
      blocks.forEach((block, index) => {
        const isText = block.type === "text";
        events.push({
          event: "content_block_start",
          data: {
            type: "content_block_start",
            index,
            content_block: isText
              ? { type: "text", text: "" }
              : { ...block, input: {} },
          },
        });
        const whole = isText ? String(block.text) : JSON.stringify(block.input);
        for (const piece of pieces(whole)) {
          events.push({
            event: "content_block_delta",
            data: {
              type: "content_block_delta",
              index,
              delta: isText
                ? { type: "text_delta", text: piece }
                : { type: "input_json_delta", partial_json: piece },
            },
          });
        }
        events.push({
          event: "content_block_stop",
          data: { type: "content_block_stop", index },
        });
      });
      events.push(
        {
          event: "message_delta",
          data: {
            type: "message_delta",
            delta: { stop_reason: stopReason, stop_sequence: null },
            usage: { output_tokens: usage.output_tokens },
          },
        },
        { event: "message_stop", data: { type: "message_stop" } },
      );
      writeEvents(response, events);
    },
    (status) => ({
      type: "error",
      error: {
        type:
          status === 401
            ? "authentication_error"
            : status === 429
              ? "rate_limit_error"
              : status === 529
                ? "overloaded_error"
                : "api_error",
        message: "scripted failure",
      },
    }),
    (request) =>
      request.headers["x-api-key"] === apiKey &&
      typeof request.headers["anthropic-version"] === "string",
  );
}
