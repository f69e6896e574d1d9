import type { Clock } from "../clock.ts";
import { findProject, type Project } from "../projects/project.ts";
import type { Db } from "../store/database.ts";
import {
  findTrigger,
  findTriggerByTokenHash,
} from "../triggers/find-trigger.ts";
import type { Trigger } from "../triggers/trigger.ts";

const TTL_MS = 1000;

interface Entry<T> {
  value: T | undefined;
  expiresAt: number;
}

/**
 * The project and trigger lookups every delivery makes, remembered for a
 * second. Admin changes in this process clear it at once; another process's
 * changes (a disabled trigger, a deleted token) take effect within the TTL.
 * Misses are remembered too, so a flood of unknown tokens costs no queries.
 */
export class LookupCache {
  readonly #entries = new Map<string, Entry<Project | Trigger>>();

  constructor(
    private readonly db: Db,
    private readonly now: Clock,
  ) {}

  project(ref: string): Promise<Project | undefined> {
    return this.#remember(`p:${ref}`, () => findProject(this.db, ref));
  }

  trigger(projectId: number, triggerId: number): Promise<Trigger | undefined> {
    return this.#remember(`t:${projectId}:${triggerId}`, () =>
      findTrigger(this.db, projectId, triggerId, this.now()),
    );
  }

  triggerByTokenHash(
    projectId: number,
    tokenHash: string,
  ): Promise<Trigger | undefined> {
    return this.#remember(`h:${projectId}:${tokenHash}`, () =>
      findTriggerByTokenHash(this.db, projectId, tokenHash, this.now()),
    );
  }

  clear(): void {
    this.#entries.clear();
  }

  async #remember<T extends Project | Trigger>(
    key: string,
    load: () => Promise<T | undefined>,
  ): Promise<T | undefined> {
    const at = Date.now();
    const known = this.#entries.get(key);
    if (known && known.expiresAt > at) return known.value as T | undefined;

    const value = await load();
    // Bounded by the distinct keys seen within one TTL.
    if (this.#entries.size > 10_000) this.#entries.clear();
    this.#entries.set(key, { value, expiresAt: at + TTL_MS });
    return value;
  }
}
