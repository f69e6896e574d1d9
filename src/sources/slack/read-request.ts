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
const LINK = /^<(https?:\/\/[^>|\s]{1,2000})(?:\|[^>]{0,2000})?>/;
const BARE_URL = /^https?:\/\/[^\s<>]{1,2000}$/;
const TICKET_KEY = /^[A-Z][A-Z0-9_]{0,99}-\d{1,18}$/;
// In a URL the key follows a slash: https://acme.atlassian.net/browse/OPS-3.
const KEY_IN_URL = /(?<![\w-])([A-Z][A-Z0-9_]{0,99}-\d{1,18})(?![\w-])/;
const GITHUB_ISSUE =
  /github\.com\/([\w.-]{1,100}\/[\w.-]{1,100})\/issues\/(\d{1,18})/i;
const GITHUB_REFERENCE = /^[\w.-]{1,100}\/[\w.-]{1,100}#\d{1,18}$/;

/**
 * Reads `/flowgate <ticket key or URL> [instructions]`, or an app
 * mention's text, in Slack's markup: users as `<@U…>`, links as
 * `<url|label>`. Only the first word, once mentions are taken out, may
 * name the ticket: "add SHA-256 checksums" is an instruction, not a
 * request about ticket SHA-256.
 */
export function readSlackRequest(text: string): SlackRequest {
  const mentions: Mention[] = [];
  const rest = text
    .replace(USER_MENTION, (shown, id: string) => {
      mentions.push({ id, shown });
      return " ";
    })
    .trim();

  const first = firstWord(rest);
  const named = first ? ticketNamedBy(first) : undefined;
  const remaining = named ? rest.slice(first?.length) : rest;
  return {
    reference: named?.reference,
    url: named?.url,
    instruction: remaining.replace(/\s+/g, " ").trim(),
    mentions,
  };
}

/** The first word; a Slack link counts as one, label and all. */
function firstWord(text: string): string | undefined {
  return LINK.exec(text)?.[0] ?? /^\S+/.exec(text)?.[0];
}

function ticketNamedBy(
  word: string,
): { reference: string | undefined; url?: string } | undefined {
  if (TICKET_KEY.test(word) || GITHUB_REFERENCE.test(word)) {
    return { reference: word };
  }
  const url = LINK.exec(word)?.[1] ?? (BARE_URL.test(word) ? word : undefined);
  if (url === undefined) return undefined;
  return { reference: referenceInUrl(url), url };
}

function referenceInUrl(url: string): string | undefined {
  const github = GITHUB_ISSUE.exec(url);
  if (github) return `${github[1]}#${github[2]}`;
  return KEY_IN_URL.exec(url)?.[1];
}
