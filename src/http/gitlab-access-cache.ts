import { createHash } from "node:crypto";
import type { GitLabMembership } from "./gitlab-membership.ts";

interface Entry {
  answer: Promise<GitLabMembership>;
  expiresAt: number;
}

/**
 * GitLab's answers about tokens, kept briefly so that a dashboard
 * polling runs does not ask GitLab twice per request. Keys are hashes of
 * the token and the project, never the token. A pending answer is shared
 * by requests that arrive meanwhile; a failed one is forgotten at once,
 * so only real answers are kept. Bounded: the oldest entry goes first.
 */
export class GitLabAccessCache {
  readonly #entries = new Map<string, Entry>();

  constructor(
    private readonly options: {
      ttlMs: number;
      maxEntries: number;
      now: () => Date;
    },
  ) {}

  /** The cached answer for the token on the project, or `ask`'s. */
  answer(
    token: string,
    project: string,
    ask: () => Promise<GitLabMembership>,
  ): Promise<GitLabMembership> {
    const key = createHash("sha256")
      .update(project)
      .update("\0")
      .update(token)
      .digest("hex");
    const now = this.options.now().getTime();
    const cached = this.#entries.get(key);
    if (cached && cached.expiresAt > now) return cached.answer;
    this.#entries.delete(key);

    while (this.#entries.size >= this.options.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    const entry: Entry = { answer: ask(), expiresAt: now + this.options.ttlMs };
    this.#entries.set(key, entry);
    entry.answer.catch(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    return entry.answer;
  }
}
