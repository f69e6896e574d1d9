import { createHash } from "node:crypto";
import {
  OutboundError,
  OutboundStatusError,
} from "../../outbound/outbound-errors.ts";
import type { OutboundHttp } from "../../outbound/outbound-http.ts";

const SECOND_MS = 1000;
/** A token is renewed this long before ServiceNow says it expires, so
 * a call that starts just before the end does not carry a dead one. */
const RENEW_BEFORE_MS = 60 * SECOND_MS;
/** What ServiceNow issues by default (`expires_in: 1799`), for answers
 * that leave it out. */
const DEFAULT_LIFETIME_MS = 1799 * SECOND_MS;

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

interface Entry {
  token: Promise<string>;
  /** Set once the token arrived; a pending entry is shared. */
  renewAt?: number;
}

/**
 * Access tokens of ServiceNow's OAuth client credentials grant, one per
 * instance and client, kept until shortly before they expire. The key
 * is a hash that includes the secret, so a rotated secret gets a token
 * of its own and no secret is held as a key.
 */
export class OauthTokens {
  readonly #entries = new Map<string, Entry>();

  constructor(private readonly now: () => number) {}

  token(
    http: OutboundHttp,
    origin: string,
    client: ClientCredentials,
    signal: AbortSignal,
  ): Promise<string> {
    const key = keyOf(origin, client);
    const entry = this.#entries.get(key);
    if (entry && (entry.renewAt === undefined || entry.renewAt > this.now())) {
      return entry.token;
    }
    return this.#fetch(key, http, origin, client, signal);
  }

  /** Drops a token the instance refused, so the next call asks anew. */
  forget(origin: string, client: ClientCredentials): void {
    this.#entries.delete(keyOf(origin, client));
  }

  #fetch(
    key: string,
    http: OutboundHttp,
    origin: string,
    client: ClientCredentials,
    signal: AbortSignal,
  ): Promise<string> {
    const askedAt = this.now();
    const entry: Entry = {
      token: requestToken(http, origin, client, signal).then((answer) => {
        entry.renewAt = askedAt + answer.lifetimeMs - RENEW_BEFORE_MS;
        return answer.accessToken;
      }),
    };
    entry.token.catch(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    this.#entries.set(key, entry);
    return entry.token;
  }
}

async function requestToken(
  http: OutboundHttp,
  origin: string,
  client: ClientCredentials,
  signal: AbortSignal,
): Promise<{ accessToken: string; lifetimeMs: number }> {
  const form = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: client.clientId,
    client_secret: client.clientSecret,
  });
  let answer: { access_token?: unknown; expires_in?: unknown };
  try {
    const response = await http.send({
      method: "POST",
      url: `${origin}/oauth_token.do`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: form.toString(),
      signal,
    });
    answer = response.json();
  } catch (error) {
    throw refusalOf(error) ?? error;
  }

  if (typeof answer.access_token !== "string" || answer.access_token === "") {
    throw new OutboundError(
      `ServiceNow's ${origin}/oauth_token.do answered no access_token`,
      false,
    );
  }
  const seconds = Number(answer.expires_in);
  return {
    accessToken: answer.access_token,
    lifetimeMs:
      Number.isFinite(seconds) && seconds > 0
        ? seconds * SECOND_MS
        : DEFAULT_LIFETIME_MS,
  };
}

/** 400 and 401 mean the client is wrong: no retry can mend that. */
function refusalOf(error: unknown): OutboundError | undefined {
  if (!(error instanceof OutboundStatusError)) return undefined;
  if (error.status !== 400 && error.status !== 401) return undefined;
  return new OutboundError(
    `ServiceNow refused the trigger's credentials.client_id and ` +
      `credentials.client_secret (${error.message}): check the OAuth ` +
      "application under System OAuth → Application Registry, and that " +
      "the instance allows the client credentials grant " +
      "(glide.oauth.inbound.client.credential.grant_type.enabled)",
    false,
    { cause: error },
  );
}

function keyOf(origin: string, client: ClientCredentials): string {
  return createHash("sha256")
    .update(`${origin}\n${client.clientId}\n${client.clientSecret}`)
    .digest("hex");
}
