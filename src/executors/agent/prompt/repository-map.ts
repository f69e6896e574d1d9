import type { GitWorkspace } from "../../../forges/git-workspace.ts";
import { ticketTerms } from "../../../models/ticket-terms.ts";
import type { Ticket } from "../../../tickets/ticket.ts";

// About four characters a token: the map costs at most ~6,000 tokens.
const MAP_CHARS = 24_000;
const TREE_CHARS = 8_000;
const README_CHARS = 6_000;
const RELATED_FILES = 8;
const EXCERPT_LINES = 40;

const TEST_FILE =
  /(^|\/)(tests?|__tests__|spec)\/|[._-](test|spec)\.[a-z]+$|(^|\/)test_[^/]+\.py$/i;

export interface RepositoryMap {
  text: string;
  hasTests: boolean;
}

/**
 * What the model sees of the repository before its first tool call: the
 * file tree, the README, and the files that mention the ticket's terms
 * most, with their first lines, all within a character budget. The
 * ticket's terms themselves are not shown: they are ticket text, which
 * goes only into the untrusted block.
 */
export async function repositoryMap(
  workspace: GitWorkspace,
  ticket: Ticket,
  signal: AbortSignal,
): Promise<RepositoryMap> {
  const files = await workspace.listFiles(signal);
  const terms = ticketTerms(`${ticket.title}\n${ticket.description}`);
  const related = await workspace.grep(terms, RELATED_FILES, { signal });
  const readme = files.find((file) => /^readme(\.[a-z]+)?$/i.test(file));

  const sections = [`## Files (${files.length})\n\n${tree(files)}`];
  if (readme) {
    const text = await workspace.readFile(readme).catch(() => "");
    sections.push(`## ${readme}\n\n${cut(text, README_CHARS)}`);
  }
  if (related.length > 0) {
    sections.push(await relatedSection(workspace, related, sections));
  }
  return {
    text: sections.join("\n\n"),
    hasTests: files.some((file) => TEST_FILE.test(file)),
  };
}

function tree(files: string[]): string {
  const listed = files.join("\n");
  if (listed.length <= TREE_CHARS) return listed;
  // Too many files: count them per top-level directory instead.
  const counts = new Map<string, number>();
  for (const file of files) {
    const top = file.includes("/") ? `${file.split("/")[0]}/` : file;
    counts.set(top, (counts.get(top) ?? 0) + 1);
  }
  return cut(
    [...counts].map(([top, count]) => `${top} (${count})`).join("\n"),
    TREE_CHARS,
  );
}

async function relatedSection(
  workspace: GitWorkspace,
  related: string[],
  before: string[],
): Promise<string> {
  let room = MAP_CHARS - before.join("\n\n").length;
  const parts = [
    "## Files most related to the ticket\n\n" +
      related.map((file) => `- ${file}`).join("\n"),
  ];
  room -= parts[0]?.length ?? 0;
  for (const file of related) {
    const text = await workspace.readFile(file).catch(() => undefined);
    if (text === undefined || text.includes("\0")) continue;
    const head = text.split("\n").slice(0, EXCERPT_LINES).join("\n");
    const excerpt = `### ${file} (first lines)\n\n${head}`;
    if (excerpt.length > room) break;
    parts.push(excerpt);
    room -= excerpt.length;
  }
  return parts.join("\n\n");
}

function cut(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}\n[…cut]`;
}
