import { type JsonResponse, readJson } from "../helpers/admin-request.ts";

/** A browser's view of the dashboard's API: it keeps the session
 * cookie and sends the CSRF token only when told to. */
export class DashboardClient {
  cookie: string | undefined;
  csrfToken: string | undefined;

  constructor(readonly baseUrl: string) {}

  /** Signs in with `token`; remembers the cookie and CSRF token. */
  async signIn(token: string): Promise<JsonResponse> {
    const response = await fetch(`${this.baseUrl}/-/dashboard/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token }),
    });
    const answer = await readJson(response);
    if (answer.status === 201) {
      this.cookie = cookiePair(response.headers.get("set-cookie"));
      this.csrfToken = answer.body.csrf_token;
    }
    return answer;
  }

  /** Calls `path` with the cookie; `csrf` says which token to send. */
  async request(
    method: string,
    path: string,
    options: { body?: unknown; csrf?: string | undefined } = {},
  ): Promise<JsonResponse> {
    const csrf =
      options.csrf === "session" ? this.csrfToken : (options.csrf ?? "none");
    const headers: Record<string, string> = {
      ...(this.cookie ? { cookie: this.cookie } : {}),
      ...(csrf && csrf !== "none" ? { "x-csrf-token": csrf } : {}),
      ...(options.body === undefined
        ? {}
        : { "content-type": "application/json" }),
    };
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      ...(options.body === undefined
        ? {}
        : { body: JSON.stringify(options.body) }),
    });
    return readJson(response);
  }
}

/** `name=value` of a Set-Cookie header, as a browser sends it back. */
export function cookiePair(setCookie: string | null): string | undefined {
  return setCookie?.split(";")[0];
}
