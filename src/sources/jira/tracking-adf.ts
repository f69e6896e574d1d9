import type { TrackingMessage } from "../../outbox/tracking-message.ts";

type AdfNode = Record<string, unknown>;

/**
 * The tracking comment as an Atlassian Document Format document (Jira
 * Cloud, REST v3): the headline in bold, a paragraph per line, then the
 * links. The run's link carries the marker as its href, which is where
 * a search of the stored JSON finds it.
 */
export function trackingAdf(message: TrackingMessage): AdfNode {
  const paragraphs = [
    paragraph([text(message.headline, [{ type: "strong" }])]),
    ...message.lines.map((line) => paragraph([text(line)])),
    paragraph(linkRow(message.links)),
  ];
  return {
    version: 1,
    type: "doc",
    content: paragraphs.filter((node) => node.content.length > 0),
  };
}

function linkRow(links: TrackingMessage["links"]): AdfNode[] {
  return links.flatMap((link, index) => {
    const node = text(link.text, [{ type: "link", attrs: { href: link.url } }]);
    return index === 0 ? [node] : [text(" · "), node];
  });
}

function paragraph(content: AdfNode[]): { type: string; content: AdfNode[] } {
  // ADF refuses empty text nodes.
  return { type: "paragraph", content: content.filter((node) => node.text) };
}

function text(value: string, marks?: AdfNode[]): AdfNode {
  // A text node holds no line breaks; a paragraph stays one.
  const flat = value.replace(/\s*[\r\n]+\s*/g, " ");
  return marks
    ? { type: "text", text: flat, marks }
    : { type: "text", text: flat };
}
