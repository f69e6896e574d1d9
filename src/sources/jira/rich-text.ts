import {
  adfToMarkdown,
  isAdfDocument,
  type Mention,
} from "../markup/adf-to-markdown.ts";
import { wikiToMarkdown } from "../markup/wiki-to-markdown.ts";
import { MAX_DESCRIPTION_CHARS } from "../ticket-draft.ts";

export interface RichText {
  markdown: string;
  mentions: Mention[];
}

/** Jira text as Markdown: wiki text (REST v2 shapes, Data Center) or an
 * Atlassian Document Format document (REST v3 shapes). */
export function jiraRichText(value: unknown): RichText {
  if (typeof value === "string") {
    return wikiToMarkdown(value, MAX_DESCRIPTION_CHARS);
  }
  if (isAdfDocument(value)) return adfToMarkdown(value, MAX_DESCRIPTION_CHARS);
  return { markdown: "", mentions: [] };
}

/** A custom field's acceptance criteria: a list of strings, or text
 * whose lines (list items or not) are the criteria. */
export function criteriaOf(value: unknown): string[] | undefined {
  if (Array.isArray(value)) {
    return value.filter((item): item is string => typeof item === "string");
  }
  const { markdown } = jiraRichText(value);
  if (markdown === "") return undefined;
  return markdown
    .split(/\r?\n/)
    .map((line) =>
      line.replace(/^\s*(?:[-*+]|\d+[.)])?\s*(?:\[[ xX]\]\s*)?/, "").trim(),
    )
    .filter((line) => line !== "");
}
