import type { RunReport } from "./run-report.ts";

/**
 * The tracking comment's content, before a provider writes it in its own
 * markup (ADF, wiki text, Markdown, Slack mrkdwn, plain text). It says
 * where the run stands now, so editing the comment in place tells the
 * whole story; the run's URL is in every version and is the marker a
 * retried create looks for.
 */
export interface TrackingMessage {
  /** One sentence. */
  headline: string;
  /** Further sentences, each a paragraph. */
  lines: string[];
  links: { text: string; url: string }[];
  /** Text to find this run's comment by; contained in the rendering. */
  marker: string;
}

export function trackingMessage(report: RunReport): TrackingMessage {
  const run = { text: `Flowgate run #${report.runId}`, url: report.runUrl };
  const mergeRequest = report.mergeRequest && {
    text: `Merge request !${report.mergeRequest.iid}`,
    url: report.mergeRequest.webUrl,
  };
  const links = mergeRequest ? [mergeRequest, run] : [run];
  const base = { links, marker: report.runUrl };

  switch (report.event) {
    case "queued":
      return {
        ...base,
        headline: `Flowgate is on it: run #${report.runId} is queued.`,
        lines: ["It starts as soon as a worker is free."],
      };
    case "started":
      return {
        ...base,
        headline: `Flowgate is on it: run #${report.runId} started.`,
        lines: report.branch ? [`Branch: ${report.branch}`] : [],
      };
    case "action_required": {
      const where = report.action?.url;
      return {
        ...base,
        links: where ? [{ text: "Open it in GitLab", url: where }, run] : links,
        headline: `Flowgate's run #${report.runId} waits for a person.`,
        lines: [
          `To go on: ${report.action?.text ?? "act on the work in GitLab"}.`,
        ],
      };
    }
    case "merge_request_opened":
      return {
        ...base,
        headline: `Flowgate opened a draft merge request for ${report.externalReference}.`,
        lines: ["The run goes on until its checks are done."],
      };
    case "succeeded":
      return {
        ...base,
        headline: mergeRequest
          ? `Flowgate finished: ${mergeRequest.text.toLowerCase()} is ready for review.`
          : "Flowgate finished the run.",
        lines: [],
      };
    case "failed":
      return {
        ...base,
        headline: `Flowgate's run #${report.runId} failed.`,
        lines: [
          `Reason: ${report.error ?? "unknown"}`,
          "Fix the cause, then retry the run from its page or with " +
            `POST ${report.runUrl.replace(/\/?$/, "")}/retry.`,
        ],
      };
    case "canceled":
      return {
        ...base,
        headline: `Flowgate's run #${report.runId} was canceled.`,
        lines: [
          "Nothing more happens on it. Retry it from its page or with " +
            `POST ${report.runUrl.replace(/\/?$/, "")}/retry.`,
        ],
      };
    case "merged":
      return {
        ...base,
        headline: mergeRequest
          ? `${mergeRequest.text} was merged.`
          : "The merge request was merged.",
        lines: [],
      };
  }
}
