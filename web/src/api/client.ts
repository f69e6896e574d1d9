import { ApiError } from "./api-error.ts";
import { currentSession, setSession } from "./session.ts";

export interface ListPage<T> {
  items: T[];
  total: number;
  nextPage: number | null;
}

interface RequestOptions {
  method?: string;
  body?: unknown;
  query?: Record<string, string | number | undefined>;
}

/** Calls a same-origin URL with the session cookie and the CSRF token. */
async function send(
  path: string,
  options: RequestOptions,
  acceptRefusal = false,
): Promise<Response> {
  const method = options.method ?? "GET";
  const headers: Record<string, string> = { accept: "application/json" };
  const session = currentSession();
  if (method !== "GET" && session) {
    headers["x-csrf-token"] = session.csrf_token;
  }
  // Bodiless POSTs (cancel, retry, redeliver) send no content type: the
  // API refuses an empty body labelled as JSON.
  let body: string | undefined;
  if (options.body !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  const response = await fetch(withQuery(path, options.query), {
    method,
    headers,
    credentials: "same-origin",
    ...(body === undefined ? {} : { body }),
  });
  if (response.status === 401 && !path.endsWith("/-/dashboard/session")) {
    // The session ended (expired, signed out elsewhere): back to sign-in.
    setSession(null);
  }
  if (!response.ok && !(acceptRefusal && response.status !== 401)) {
    throw await readError(response);
  }
  return response;
}

function withQuery(path: string, query: RequestOptions["query"] = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text === "" ? path : `${path}?${text}`;
}

async function readError(response: Response): Promise<ApiError> {
  const fallback = `${response.status} ${response.statusText}`.trim();
  try {
    const answer = (await response.json()) as {
      message?: unknown;
      errors?: Record<string, string[]>;
    };
    const message =
      typeof answer.message === "string" ? answer.message : fallback;
    return new ApiError(response.status, message, answer.errors ?? {});
  } catch {
    return new ApiError(response.status, fallback);
  }
}

/** A JSON answer of any method; `null` for 204. */
export async function requestJson<T>(
  path: string,
  options: RequestOptions = {},
): Promise<T> {
  const response = await send(path, options);
  if (response.status === 204) return null as T;
  return (await response.json()) as T;
}

/**
 * The status and JSON of an answer, refusals included, for pages that show
 * the answer itself (a redelivery answers what the sender would get).
 */
export async function requestAnswer(
  path: string,
  options: RequestOptions = {},
): Promise<{ status: number; body: unknown }> {
  const response = await send(path, options, true);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: shown as the text it is.
  }
  return { status: response.status, body };
}

/** One page of a GitLab-style list with its paging headers. */
export async function requestList<T>(
  path: string,
  query: RequestOptions["query"] = {},
): Promise<ListPage<T>> {
  const response = await send(path, { query });
  const next = response.headers.get("x-next-page");
  return {
    items: (await response.json()) as T[],
    total: Number(response.headers.get("x-total") ?? "0"),
    nextPage: next ? Number(next) : null,
  };
}
