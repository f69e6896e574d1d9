/** One answer of the model, whatever its kind and transport. */
export interface ModelTurn {
  text: string;
  toolCalls: ModelToolCall[];
  inputTokens: number;
  outputTokens: number;
  /** stop, length, tool-calls, content-filter, error or other. */
  finishReason: string;
}

export interface ModelToolCall {
  id: string;
  name: string;
  /** The arguments as the model wrote them: JSON, or not. */
  input: string;
}
