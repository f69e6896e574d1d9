import {
  argumentsText,
  type FakeModelServer,
  pieces,
  respondJson,
  startFakeModelServer,
  writeEvents,
} from "./fake-model-server.ts";

const CREATED = 1_760_000_000;

/**
 * OpenAI's chat completions API (`POST /v1/chat/completions`): a whole
 * `chat.completion` object, or, when the request says `stream: true`,
 * `chat.completion.chunk` events whose `delta.tool_calls` carry each
 * call's id and name first and its arguments in fragments, ended by
 * `data: [DONE]`.
 */
export function startOpenAiFake(
  apiKey: string | undefined,
): Promise<FakeModelServer> {
  return startFakeModelServer(
    (request, reply, response, sequence) => {
      const id = `chatcmpl-${sequence}`;
      const model = request.json?.model ?? "unknown";
      const calls = (reply.toolCalls ?? []).map((call, index) => ({
        id: `call_${sequence}_${index}`,
        type: "function",
        function: { name: call.name, arguments: argumentsText(call) },
      }));
      const finish = calls.length > 0 ? "tool_calls" : "stop";
      const usage = {
        prompt_tokens: 100 + sequence,
        completion_tokens: 20,
        total_tokens: 120 + sequence,
      };

      if (request.json?.stream !== true) {
        respondJson(response, 200, {
          id,
          object: "chat.completion",
          created: CREATED,
          model,
          choices: [
            {
              index: 0,
              message: {
                role: "assistant",
                content: reply.text ?? null,
                ...(calls.length > 0 ? { tool_calls: calls } : {}),
              },
              logprobs: null,
              finish_reason: finish,
            },
          ],
          usage,
        });
        return;
      }

      const chunk = (delta: unknown, finishReason: string | null = null) => ({
        data: {
          id,
          object: "chat.completion.chunk",
          created: CREATED,
          model,
          choices: [{ index: 0, delta, finish_reason: finishReason }],
        },
      });
      const events = [chunk({ role: "assistant", content: "" })];
      if (reply.text) {
        for (const piece of pieces(reply.text)) {
          events.push(chunk({ content: piece }));
        }
      }
      calls.forEach((call, index) => {
        events.push(
          chunk({
            tool_calls: [
              {
                index,
                id: call.id,
                type: "function",
                function: { name: call.function.name, arguments: "" },
              },
            ],
          }),
        );
        for (const piece of pieces(call.function.arguments)) {
          events.push(
            chunk({ tool_calls: [{ index, function: { arguments: piece } }] }),
          );
        }
      });
      events.push(chunk({}, finish));
      const wantsUsage = request.json?.stream_options?.include_usage === true;
      const tail: { data: unknown }[] = wantsUsage
        ? [
            {
              data: {
                id,
                object: "chat.completion.chunk",
                created: CREATED,
                model,
                choices: [],
                usage,
              },
            },
          ]
        : [];
      writeEvents(response, [...events, ...tail, { data: "[DONE]" }]);
    },
    (status) => ({
      error: {
        message:
          status === 429 ? "Rate limit reached" : "The server had an error",
        type: status === 429 ? "requests" : "server_error",
        param: null,
        code: status === 401 ? "invalid_api_key" : null,
      },
    }),
    (request) =>
      apiKey === undefined ||
      request.headers.authorization === `Bearer ${apiKey}`,
  );
}
