import { createHash } from "node:crypto";
import { z } from "zod";
import { Refusal } from "../../ingress/refusal.ts";
import {
  describeFieldErrors,
  fieldErrors,
} from "../../validation/field-errors.ts";

/** What an authentic delivery of a project's GitLab webhook asks for. */
export type MergeRequestHook =
  | {
      kind: "merge_request";
      action: "merge" | "close";
      iid: number;
      /** Who merged or closed it on GitLab, when the event says. */
      username: string | undefined;
    }
  | { kind: "ignored"; reason: string };

const ACTIONS = ["merge", "close"] as const;

const mergeRequestEvent = z.object({
  project: z.object({ id: z.number().int() }).optional(),
  user: z.object({ username: z.string().max(255) }).optional(),
  object_attributes: z.object({
    iid: z.number().int().min(1),
    action: z.string().max(64).optional(),
  }),
});

/**
 * Reads a merge request event as GitLab sends it (`X-Gitlab-Event:
 * Merge Request Hook`, `object_kind: "merge_request"`). A merge or a
 * close is for Flowgate; every other event and action is ignored with a
 * reason, so that a webhook with more events ticked does no harm. A
 * merge request event without an `iid` is a 400.
 */
export function readMergeRequestHook(
  eventHeader: string | undefined,
  body: unknown,
  gitlabProjectId: number,
): MergeRequestHook {
  const kind = (body as { object_kind?: unknown } | null)?.object_kind;
  if (eventHeader !== "Merge Request Hook" || kind !== "merge_request") {
    return {
      kind: "ignored",
      reason:
        "Flowgate acts only on merge request events; this was " +
        (eventHeader ? `a ${eventHeader}` : "no X-Gitlab-Event"),
    };
  }

  const parsed = mergeRequestEvent.safeParse(body);
  if (!parsed.success) {
    const errors = fieldErrors(parsed.error);
    throw new Refusal(
      400,
      `400 Bad request - ${describeFieldErrors(errors)}`,
      "schema",
      { errors },
    );
  }
  const event = parsed.data;
  // A group webhook sends every project's events with one secret.
  if (event.project && event.project.id !== gitlabProjectId) {
    return {
      kind: "ignored",
      reason:
        `the event is about GitLab project ${event.project.id}, ` +
        `not ${gitlabProjectId}`,
    };
  }
  const action = event.object_attributes.action;
  if (!isHandled(action)) {
    return {
      kind: "ignored",
      reason:
        `merge request action "${action ?? "none"}" changes nothing in ` +
        "Flowgate; only merge and close do",
    };
  }
  return {
    kind: "merge_request",
    action,
    iid: event.object_attributes.iid,
    username: event.user?.username,
  };
}

function isHandled(action: string | undefined): action is "merge" | "close" {
  return (ACTIONS as readonly (string | undefined)[]).includes(action);
}

/**
 * What makes two deliveries the same event: GitLab's `Idempotency-Key`
 * (the same on each of its retries), else the Standard Webhooks
 * `webhook-id`, else the body's hash.
 */
export function hookEventKey(
  headers: Record<string, string | undefined>,
  rawBody: Buffer,
): string {
  const given = headers["idempotency-key"] ?? headers["webhook-id"];
  if (given && /^[\x21-\x7e]{1,255}$/.test(given)) return given;
  return `sha256:${createHash("sha256").update(rawBody).digest("hex")}`;
}
