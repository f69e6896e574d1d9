import type {
  LanguageModelV3GenerateResult,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
} from "@ai-sdk/provider";
import type { ModelToolCall, ModelTurn } from "./model-turn.ts";

/** A whole (unstreamed) answer as a turn. */
export function turnOfResult(result: LanguageModelV3GenerateResult): ModelTurn {
  let text = "";
  const toolCalls: ModelToolCall[] = [];
  for (const part of result.content) {
    if (part.type === "text") text += part.text;
    if (part.type === "tool-call") toolCalls.push(toolCallOf(part));
  }
  return {
    text,
    toolCalls,
    ...tokens(result.usage),
    finishReason: result.finishReason.unified,
  };
}

/** A thrown error part of a stream: the answer broke off midway. */
export class StreamBrokenError extends Error {
  constructor(cause: unknown) {
    super("the streamed answer broke off", { cause });
    this.name = "StreamBrokenError";
  }
}

/** Reads a streamed answer to its end; the SDK has joined the deltas. */
export async function turnOfStream(
  stream: ReadableStream<LanguageModelV3StreamPart>,
): Promise<ModelTurn> {
  const turn: ModelTurn = {
    text: "",
    toolCalls: [],
    inputTokens: 0,
    outputTokens: 0,
    finishReason: "other",
  };
  const reader = stream.getReader();
  for (;;) {
    const { done, value: part } = await reader.read();
    if (done) break;
    if (part.type === "text-delta") turn.text += part.delta;
    if (part.type === "tool-call") turn.toolCalls.push(toolCallOf(part));
    if (part.type === "error") {
      await reader.cancel().catch(() => {});
      throw new StreamBrokenError(part.error);
    }
    if (part.type === "finish") {
      Object.assign(turn, tokens(part.usage));
      turn.finishReason = part.finishReason.unified;
    }
  }
  return turn;
}

function toolCallOf(part: {
  toolCallId: string;
  toolName: string;
  input: string;
}): ModelToolCall {
  return { id: part.toolCallId, name: part.toolName, input: part.input };
}

function tokens(usage: LanguageModelV3Usage) {
  return {
    inputTokens: usage.inputTokens.total ?? 0,
    outputTokens: usage.outputTokens.total ?? 0,
  };
}
