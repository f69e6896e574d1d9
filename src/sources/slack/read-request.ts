import type { Mention } from "../markup/adf-to-markdown.ts";

/** What a Slack message or command asks for, read from its text. */
export interface SlackRequest {
  /** A ticket key, or a reference derived from a ticket URL. */
  reference: string | undefined;
  url: string | undefined;
  /** The text left once mentions, the ticket and its URL are taken out. */
  instruction: string;
  mentions: Mention[];
}

const USER_MENTION = /<@([A-Z0-9]{1,32})(?:\|[^>]{0,255})?>/g;
const LINK = /<(https?:\/\/[^>|\s]{1,2000})(?:\|[^>]{0,2000})?>/;
const BARE_URL = /https?:\/\/[^\s<>]{1,2000}/;
const TICKET_KEY = /(?<![\w/-])([A-Z][A-Z0-9_]{0,99}-\d{1,18})(?![\w-])/;
const GITHUB_ISSUE =
  /github\.com\/([\w.-]{1,100}\/[\w.-]{1,100})\/issues\/(\d{1,18})/i;
const GITHUB_REFERENCE = /(?<![\w.-])([\w.-]{1,100}\/[\w.-]{1,100}#\d{1,18})/;

/**
 * Reads `/flowgate <ticket key or URL> [instructions]`, or an app
 * mention's text, in Slack's markup: users as `<@U…>`, links as
 * `<url|label>`.
 */
export function readSlackRequest(text: string): SlackRequest {
  const mentions: Mention[] = [];
  let rest = text.replace(USER_MENTION, (shown, id: string) => {
    mentions.push({ id, shown });
    return " ";
  });

  let url: string | undefined;
  const link = LINK.exec(rest) ?? BARE_URL.exec(rest);
  if (link) {
    url = link[1] ?? link[0];
    rest = rest.replace(link[0], " ");
  }

  let reference: string | undefined;
  const fromUrl = url ? referenceInUrl(url) : undefined;
  const key = TICKET_KEY.exec(rest) ?? GITHUB_REFERENCE.exec(rest);
  if (key?.[1]) {
    reference = key[1];
    rest = rest.replace(key[1], " ");
  } else {
    reference = fromUrl;
  }

  return {
    reference,
    url,
    instruction: rest.replace(/\s+/g, " ").trim(),
    mentions,
  };
}

function referenceInUrl(url: string): string | undefined {
  const github = GITHUB_ISSUE.exec(url);
  if (github) return `${github[1]}#${github[2]}`;
  return TICKET_KEY.exec(url)?.[1];
}
