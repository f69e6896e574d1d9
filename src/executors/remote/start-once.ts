import { randomBytes } from "node:crypto";
import type { Clock } from "../../clock.ts";
import { GitLabError } from "../../forges/gitlab/gitlab-api.ts";
import { recordTimelineEvent } from "../../runs/timeline.ts";
import type { Db } from "../../store/database.ts";
import { lastRemoteCheckpoint } from "./remote-checkpoint.ts";

/** A flow or a pipeline on GitLab, by GitLab's id. */
export interface RemoteWorkRef {
  id: number;
  url: string | undefined;
}

export interface StartedWork extends RemoteWorkRef {
  /** True when an earlier attempt of the run had started it. */
  resumed: boolean;
  /** The key the request that started it carried. */
  requestKey: string;
  /** When Flowgate learnt of it: what it made came after. */
  startedAt: Date;
}

export interface StartOnceOptions {
  db: Db;
  now: Clock;
  runId: number;
  executor: string;
  /** Starts the work, marked with the key so that `find` can see it. */
  start(requestKey: string): Promise<RemoteWorkRef>;
  /** The work a request with this key started, if GitLab has any. */
  find(
    requestKey: string,
    requestedAt: Date,
  ): Promise<RemoteWorkRef | undefined>;
  /** True when the work failed or was stopped: after an admin's retry,
   * that means "start again", not "follow it again". */
  endedBadly(work: RemoteWorkRef): Promise<boolean>;
}

/**
 * Starts a run's remote work at most once. The request is noted in the
 * timeline before it is sent, and the work's id as soon as GitLab gives
 * it, so a retried run follows that work. A create is not retried when
 * its answer is lost (the work may exist), so the key the request
 * carries is looked for instead: at once, and again by the next attempt
 * when GitLab could not be asked.
 */
export async function startOnce(
  options: StartOnceOptions,
): Promise<StartedWork> {
  const { db, now, runId, executor } = options;
  const last = await lastRemoteCheckpoint(db, runId, executor);

  let earlier: RemoteWorkRef | undefined;
  const earlierKey = String(last?.details.request_key ?? "");
  const earlierAt = last ? new Date(last.at) : now();
  if (last?.kind === "remote_started") {
    earlier = { id: Number(last.details.id), url: urlOf(last.details) };
  } else if (last?.kind === "remote_requested") {
    earlier = await options.find(earlierKey, earlierAt);
    if (earlier) await noteStarted(options, earlierKey, earlier, true);
  }
  if (earlier) {
    const redo = last?.retriedSince && (await endedOrGone(options, earlier));
    if (!redo) {
      return {
        ...earlier,
        resumed: true,
        requestKey: earlierKey,
        startedAt: earlierAt,
      };
    }
  }

  const key = randomBytes(12).toString("base64url");
  const requestedAt = now();
  await recordTimelineEvent(db, runId, {
    kind: "remote_requested",
    at: requestedAt,
    details: { executor, request_key: key },
  });
  let work: RemoteWorkRef;
  try {
    work = await options.start(key);
  } catch (error) {
    // No answer, or a 5xx: GitLab may have made it all the same.
    if (!(error instanceof GitLabError && error.transient)) throw error;
    work = await findAfterLostAnswer(options, key, requestedAt, error);
    await noteStarted(options, key, work, true);
    return { ...work, resumed: false, requestKey: key, startedAt: requestedAt };
  }
  await noteStarted(options, key, work, false);
  return { ...work, resumed: false, requestKey: key, startedAt: requestedAt };
}

/** After an admin's retry: the earlier work failed, or GitLab no longer
 * shows it (deleted, another token), so a new one is wanted. */
async function endedOrGone(
  options: StartOnceOptions,
  work: RemoteWorkRef,
): Promise<boolean> {
  try {
    return await options.endedBadly(work);
  } catch (error) {
    if (error instanceof GitLabError && !error.transient) return true;
    throw error;
  }
}

/** The work a create whose answer was lost made, or the create's error
 * when GitLab has none (the job's retry starts it then). */
async function findAfterLostAnswer(
  options: StartOnceOptions,
  key: string,
  requestedAt: Date,
  lost: GitLabError,
): Promise<RemoteWorkRef> {
  let found: RemoteWorkRef | undefined;
  try {
    found = await options.find(key, requestedAt);
  } catch (error) {
    const said = error instanceof Error ? error.message : String(error);
    throw new GitLabError(
      `${lost.message}; looking for what it may have started failed ` +
        `too (${said}); the run's next attempt looks again`,
      undefined,
      true,
      { cause: error },
    );
  }
  if (!found) throw lost;
  return found;
}

async function noteStarted(
  options: StartOnceOptions,
  requestKey: string,
  work: RemoteWorkRef,
  recovered: boolean,
): Promise<void> {
  await recordTimelineEvent(options.db, options.runId, {
    kind: "remote_started",
    at: options.now(),
    details: {
      executor: options.executor,
      request_key: requestKey,
      id: work.id,
      ...(work.url ? { url: work.url } : {}),
      ...(recovered ? { recovered: true } : {}),
    },
  });
}

function urlOf(details: Record<string, unknown>): string | undefined {
  return typeof details.url === "string" ? details.url : undefined;
}
