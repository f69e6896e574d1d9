import { acceptanceCriteria } from "../../tickets/ticket.ts";

const HEADING =
  /^\s*(?:#{1,6}\s*)?(?:\*\*|__)?\s*acceptance criteria\s*:?\s*(?:\*\*|__)?\s*:?\s*$/i;
const NEXT_SECTION =
  /^\s*(?:#{1,6}\s+\S|(?:\*\*|__)[^*_]+(?:\*\*|__)\s*:?\s*$)/;

/**
 * The items of an "Acceptance criteria" section of a Markdown
 * description: the lines after such a heading (a Markdown heading, a
 * bold line or a line ending in a colon) up to the next heading. Empty
 * when there is no such section.
 */
export function acceptanceSection(markdown: string): string[] {
  const lines = markdown.split(/\r?\n/);
  const start = lines.findIndex((line) => HEADING.test(line));
  if (start === -1) return [];
  const section: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (NEXT_SECTION.test(line)) break;
    section.push(line);
  }
  return acceptanceCriteria({
    context: { acceptance_criteria: section.join("\n") },
  });
}
