/** The model a run uses, resolved from the instance, trigger and workflow. */
export interface ModelSettings {
  kind: "offline" | "openai-compatible" | "anthropic";
  name: string | undefined;
  baseUrl: string | undefined;
  apiKey: string | undefined;
  stream: boolean;
  timeoutMs: number;
}

export const DEFAULT_BASE_URLS = {
  "openai-compatible": "https://api.openai.com/v1",
  anthropic: "https://api.anthropic.com/v1",
} as const;

/** The endpoint as messages show it: no user, password, query or key. */
export function shownEndpoint(baseUrl: string, path: string): string {
  const url = new URL(baseUrl);
  url.username = "";
  url.password = "";
  url.search = "";
  url.hash = "";
  return `${url.toString().replace(/\/+$/, "")}${path}`;
}
