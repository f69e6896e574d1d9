import type { Mention } from "./adf-to-markdown.ts";

/**
 * Jira wiki markup (the text of Jira Data Center, and of Cloud webhooks
 * shaped like REST v2) to Markdown. Line by line, with code and noformat
 * blocks passed through untouched; what it does not know stays as text.
 */

export interface WikiMarkdown {
  markdown: string;
  /** Users mentioned as `[~accountid:…]` (Cloud) or `[~name]` (Data
   * Center), by account id or user name, in order. */
  mentions: Mention[];
}

const BLOCK_START = /^\s*\{(code|noformat)(?::([^}]*))?\}(.*)$/;
const HEADING = /^\s*h([1-6])\.\s+(.*)$/;
const LIST_ITEM = /^\s*([*#-]+)\s+(.*)$/;
const QUOTE_LINE = /^\s*bq\.\s+(.*)$/;
const TABLE_HEAD = /^\s*\|\|(.*)\|\|\s*$/;
const TABLE_ROW = /^\s*\|(.*)\|\s*$/;

export function wikiToMarkdown(wiki: string, maxChars: number): WikiMarkdown {
  const mentionIds: Mention[] = [];
  const out: string[] = [];
  const lines = wiki.slice(0, maxChars).split(/\r?\n/);
  let fence: { end: RegExp } | undefined;
  let inQuote = false;
  let tableColumns = 0;

  for (const line of lines) {
    if (fence) {
      const closing = line.search(fence.end);
      if (closing === -1) {
        out.push(line);
        continue;
      }
      const last = line.slice(0, closing);
      if (last.trim() !== "") out.push(last);
      out.push("```");
      fence = undefined;
      continue;
    }

    const block = BLOCK_START.exec(line);
    if (block) {
      const kind = block[1] ?? "code";
      const language = kind === "code" ? languageOf(block[2] ?? "") : "";
      const rest = block[3] ?? "";
      const end = new RegExp(`\\{${kind}\\}`);
      out.push(`\`\`\`${language}`);
      const closing = rest.search(end);
      if (closing === -1) {
        if (rest) out.push(rest);
        fence = { end };
      } else {
        const code = rest.slice(0, closing);
        if (code.trim() !== "") out.push(code);
        out.push("```");
      }
      continue;
    }

    if (/^\s*\{quote\}\s*$/.test(line)) {
      inQuote = !inQuote;
      continue;
    }

    const converted = convertLine(line, mentionIds);
    const tableHead = TABLE_HEAD.exec(line);
    if (tableHead) {
      const cells = (tableHead[1] ?? "").split("||");
      tableColumns = cells.length;
      out.push(
        row(cells, mentionIds),
        `| ${cells.map(() => "---").join(" | ")} |`,
      );
      continue;
    }
    const tableRow = TABLE_ROW.exec(line);
    if (tableRow && tableColumns > 0) {
      out.push(row((tableRow[1] ?? "").split("|"), mentionIds));
      continue;
    }
    tableColumns = 0;
    out.push(inQuote ? `> ${converted}`.trimEnd() : converted);
  }
  if (fence) out.push("```");
  return { markdown: out.join("\n").trim(), mentions: mentionIds };
}

function languageOf(parameters: string): string {
  const first = parameters.split("|")[0] ?? "";
  return first.includes("=") ? "" : first.replace(/[^\w+-]/g, "");
}

function row(cells: string[], mentionIds: Mention[]): string {
  const converted = cells.map((cell) =>
    inline(cell.trim(), mentionIds).replace(/\|/g, "\\|"),
  );
  return `| ${converted.join(" | ")} |`;
}

function convertLine(line: string, mentionIds: Mention[]): string {
  const heading = HEADING.exec(line);
  if (heading) {
    const level = Number(heading[1]);
    return `${"#".repeat(level)} ${inline(heading[2] ?? "", mentionIds)}`;
  }
  const quote = QUOTE_LINE.exec(line);
  if (quote) return `> ${inline(quote[1] ?? "", mentionIds)}`;
  if (/^\s*-{4,}\s*$/.test(line)) return "---";

  const item = LIST_ITEM.exec(line);
  if (item && !/^-+$/.test(item[2] ?? "")) {
    const markers = item[1] ?? "*";
    // `-` alone is a dash in prose unless it starts the line as a list.
    const indent = "  ".repeat(markers.length - 1);
    const marker = markers.endsWith("#") ? "1." : "-";
    return `${indent}${marker} ${inline(item[2] ?? "", mentionIds)}`;
  }
  return inline(line, mentionIds);
}

/**
 * Inline markup. Monospace is cut out first so nothing inside it is
 * converted; each regular expression is linear (no nested quantifiers).
 */
function inline(text: string, mentionIds: Mention[]): string {
  const parts = text.split(/(\{\{[^}]*\}\})/);
  return parts
    .map((part) => {
      const mono = /^\{\{([^}]*)\}\}$/.exec(part);
      if (mono) return `\`${(mono[1] ?? "").replace(/`/g, "'")}\``;
      return inlineText(part, mentionIds);
    })
    .join("");
}

function inlineText(text: string, mentionIds: Mention[]): string {
  return text
    .replace(/\[~(?:accountid:)?([^\]|\s]{1,128})\]/g, (_m, id: string) => {
      mentionIds.push({ id, shown: `@${id}` });
      return `@${id}`;
    })
    .replace(
      /\[([^\]|]{0,500})\|(https?:\/\/[^\]\s]{1,2000})\]/g,
      (_m, label: string, url: string) => `[${label || url}](${url})`,
    )
    .replace(/\[(https?:\/\/[^\]\s|]{1,2000})\]/g, "<$1>")
    .replace(/(^|[\s(])\*(\S[^*\n]{0,500}?)\*(?=$|[\s.,;:!?)])/g, "$1**$2**")
    .replace(/(^|[\s(])_(\S[^_\n]{0,500}?)_(?=$|[\s.,;:!?)])/g, "$1*$2*")
    .replace(/(^|[\s(])-(\S[^-\n]{0,500}?)-(?=$|[\s.,;:!?)])/g, "$1~~$2~~")
    .replace(/(^|[\s(])\+(\S[^+\n]{0,500}?)\+(?=$|[\s.,;:!?)])/g, "$1$2")
    .replace(/\{color(?::[^}]*)?\}/g, "");
}
