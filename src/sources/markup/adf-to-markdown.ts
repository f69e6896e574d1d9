/**
 * Atlassian Document Format (Jira Cloud's REST v3 rich text) to Markdown.
 * The document is untrusted: unknown nodes keep their text, nesting past
 * MAX_DEPTH is dropped rather than recursed into, and the output stops
 * growing at `maxChars`.
 */

const MAX_DEPTH = 48;

export interface AdfMarkdown {
  markdown: string;
  /** The users mentioned, in order, and how each reads in `markdown`. */
  mentions: Mention[];
}

export interface Mention {
  id: string;
  shown: string;
}

interface Walk {
  mentions: Mention[];
  size: number;
  maxChars: number;
}

type Node = Record<string, unknown>;

export function isAdfDocument(value: unknown): value is Node {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Node).type === "doc" &&
    Array.isArray((value as Node).content)
  );
}

export function adfToMarkdown(doc: unknown, maxChars: number): AdfMarkdown {
  const walk: Walk = { mentions: [], size: 0, maxChars };
  const markdown = blocks(children(doc), walk, 0).join("\n\n");
  return { markdown: markdown.trim(), mentions: walk.mentions };
}

function children(node: unknown): Node[] {
  if (typeof node !== "object" || node === null) return [];
  const content = (node as Node).content;
  if (!Array.isArray(content)) return [];
  return content.filter(
    (child): child is Node => typeof child === "object" && child !== null,
  );
}

function attr(node: Node, name: string): unknown {
  const attrs = node.attrs;
  if (typeof attrs !== "object" || attrs === null) return undefined;
  return (attrs as Node)[name];
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function blocks(nodes: Node[], walk: Walk, depth: number): string[] {
  const out: string[] = [];
  for (const node of nodes) {
    if (walk.size > walk.maxChars) break;
    const rendered = block(node, walk, depth);
    if (rendered.trim() === "") continue;
    walk.size += rendered.length;
    out.push(rendered);
  }
  return out;
}

function block(node: Node, walk: Walk, depth: number): string {
  if (depth > MAX_DEPTH) return "";
  const next = depth + 1;
  switch (node.type) {
    case "paragraph":
      return inline(children(node), walk);
    case "heading": {
      const level = Number(attr(node, "level"));
      const hashes = "#".repeat(level >= 1 && level <= 6 ? level : 2);
      return `${hashes} ${inline(children(node), walk)}`;
    }
    case "bulletList":
    case "orderedList":
    case "taskList":
      return list(node, walk, next);
    case "codeBlock": {
      const language = text(attr(node, "language")).replace(/[^\w+-]/g, "");
      const code = children(node)
        .map((child) => text(child.text))
        .join("");
      const fence = code.includes("```") ? "~~~~" : "```";
      return `${fence}${language}\n${code}\n${fence}`;
    }
    case "blockquote":
    case "panel":
      return blocks(children(node), walk, next)
        .join("\n\n")
        .split("\n")
        .map((line) => `> ${line}`.trimEnd())
        .join("\n");
    case "rule":
      return "---";
    case "table":
      return table(node, walk, next);
    case "expand":
    case "nestedExpand": {
      const title = text(attr(node, "title"));
      const body = blocks(children(node), walk, next).join("\n\n");
      return title ? `**${escapeInline(title)}**\n\n${body}` : body;
    }
    case "mediaSingle":
    case "mediaGroup":
    case "media":
      return "_(attachment)_";
    default:
      // Inline content where a block was expected, or a node this
      // converter does not know: keep whatever text it holds.
      if (typeof node.text === "string") return inline([node], walk);
      return blocks(children(node), walk, next).join("\n\n");
  }
}

function list(node: Node, walk: Walk, depth: number): string {
  const ordered = node.type === "orderedList";
  const start = Number(attr(node, "order"));
  let number = Number.isInteger(start) && start > 0 ? start : 1;
  const lines: string[] = [];
  for (const item of children(node)) {
    let marker = "-";
    if (ordered) marker = `${number++}.`;
    if (item.type === "taskItem") {
      marker = attr(item, "state") === "DONE" ? "- [x]" : "- [ ]";
    }
    const itemBlocks = children(item).some((child) => child.type !== "text")
      ? blocks(children(item), walk, depth + 1)
      : [inline(children(item), walk)];
    const [first = "", ...rest] = itemBlocks.join("\n").split("\n");
    lines.push(`${marker} ${first}`);
    for (const line of rest) lines.push(line ? `  ${line}` : "");
  }
  return lines.join("\n");
}

function table(node: Node, walk: Walk, depth: number): string {
  const rows = children(node).map((row) =>
    children(row).map((cell) =>
      blocks(children(cell), walk, depth + 1)
        .join(" ")
        .replace(/\n+/g, " ")
        .replace(/\|/g, "\\|"),
    ),
  );
  const width = Math.max(0, ...rows.map((row) => row.length));
  if (width === 0) return "";
  const line = (cells: string[]) =>
    `| ${Array.from({ length: width }, (_, i) => cells[i] ?? "").join(" | ")} |`;
  const [head = [], ...body] = rows;
  return [line(head), line(Array(width).fill("---")), ...body.map(line)].join(
    "\n",
  );
}

function inline(nodes: Node[], walk: Walk): string {
  let out = "";
  for (const node of nodes) {
    switch (node.type) {
      case "text":
        out += marked(text(node.text), node.marks);
        break;
      case "hardBreak":
        out += "  \n";
        break;
      case "mention": {
        const id = text(attr(node, "id"));
        const name = text(attr(node, "text")) || id;
        const shown = name.startsWith("@") ? name : `@${name}`;
        if (id) walk.mentions.push({ id, shown });
        out += shown;
        break;
      }
      case "emoji":
        out += text(attr(node, "text")) || text(attr(node, "shortName"));
        break;
      case "inlineCard":
      case "blockCard": {
        const url = text(attr(node, "url"));
        out += url ? `<${url}>` : "";
        break;
      }
      case "status":
        out += `[${text(attr(node, "text"))}]`;
        break;
      case "date": {
        const stamp = Number(attr(node, "timestamp"));
        const date = new Date(stamp);
        out += Number.isFinite(date.getTime())
          ? date.toISOString().slice(0, 10)
          : "";
        break;
      }
      default:
        out += typeof node.text === "string" ? node.text : "";
    }
  }
  return out;
}

function marked(value: string, marks: unknown): string {
  if (!Array.isArray(marks)) return value;
  let out = value;
  let link: string | undefined;
  for (const mark of marks) {
    if (typeof mark !== "object" || mark === null) continue;
    switch ((mark as Node).type) {
      case "code":
        out = `\`${out.replace(/`/g, "'")}\``;
        break;
      case "strong":
        out = `**${out}**`;
        break;
      case "em":
        out = `*${out}*`;
        break;
      case "strike":
        out = `~~${out}~~`;
        break;
      case "link":
        link = text(attr(mark as Node, "href"));
        break;
    }
  }
  return link && /^https?:\/\//i.test(link) ? `[${out}](${link})` : out;
}

function escapeInline(value: string): string {
  return value.replace(/([*_`[\]])/g, "\\$1");
}
