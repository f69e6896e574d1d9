import { describe, expect, it } from "vitest";
import { acceptanceSection } from "../../src/sources/markup/acceptance-section.ts";
import { adfToMarkdown } from "../../src/sources/markup/adf-to-markdown.ts";
import { wikiToMarkdown } from "../../src/sources/markup/wiki-to-markdown.ts";
import {
  adf,
  bulletList,
  heading,
  mention,
  paragraph,
  text,
} from "../fakes/jira-payloads.ts";

const LIMIT = 256 * 1024;

describe("Atlassian Document Format to Markdown", () => {
  it("writes headings, marks, links, lists, code and quotes", () => {
    const doc = adf(
      heading(2, "Goal"),
      paragraph(
        text("Make "),
        text("exports", [{ type: "strong" }]),
        text(" "),
        text("fast", [{ type: "em" }]),
        text(", see "),
        text("docs", [
          { type: "link", attrs: { href: "https://docs.acme.test" } },
        ]),
        text(" and "),
        text("run()", [{ type: "code" }]),
      ),
      bulletList("one", "two"),
      {
        type: "orderedList",
        attrs: { order: 3 },
        content: [
          { type: "listItem", content: [paragraph(text("three"))] },
          { type: "listItem", content: [paragraph(text("four"))] },
        ],
      },
      {
        type: "codeBlock",
        attrs: { language: "ts" },
        content: [text("const a = 1;")],
      },
      { type: "blockquote", content: [paragraph(text("quoted"))] },
      { type: "rule" },
    );
    expect(adfToMarkdown(doc, LIMIT).markdown).toBe(
      [
        "## Goal",
        "Make **exports** *fast*, see [docs](https://docs.acme.test) and `run()`",
        "- one\n- two",
        "3. three\n4. four",
        "```ts\nconst a = 1;\n```",
        "> quoted",
        "---",
      ].join("\n\n"),
    );
  });

  it("keeps mentions with their ids, task items and tables", () => {
    const doc = adf(
      paragraph(mention("acc-1", "@Flowgate"), text(" look")),
      {
        type: "taskList",
        content: [
          {
            type: "taskItem",
            attrs: { state: "DONE" },
            content: [text("done")],
          },
          {
            type: "taskItem",
            attrs: { state: "TODO" },
            content: [text("todo")],
          },
        ],
      },
      {
        type: "table",
        content: [
          {
            type: "tableRow",
            content: [
              { type: "tableHeader", content: [paragraph(text("a|b"))] },
              { type: "tableHeader", content: [paragraph(text("c"))] },
            ],
          },
          {
            type: "tableRow",
            content: [{ type: "tableCell", content: [paragraph(text("1"))] }],
          },
        ],
      },
    );
    const { markdown, mentions } = adfToMarkdown(doc, LIMIT);
    expect(mentions).toEqual([{ id: "acc-1", shown: "@Flowgate" }]);
    expect(markdown).toBe(
      "@Flowgate look\n\n- [x] done\n- [ ] todo\n\n| a\\|b | c |\n| --- | --- |\n| 1 |  |",
    );
  });

  it("drops a javascript: link target and survives hostile nesting", () => {
    const link = adf(
      paragraph(
        text("click", [
          { type: "link", attrs: { href: "javascript:alert(1)" } },
        ]),
      ),
    );
    expect(adfToMarkdown(link, LIMIT).markdown).toBe("click");

    let deep: Record<string, unknown> = paragraph(text("bottom"));
    for (let i = 0; i < 20_000; i += 1) {
      deep = { type: i % 2 ? "blockquote" : "table", content: [deep] };
    }
    expect(() => adfToMarkdown(adf(deep), LIMIT)).not.toThrow();
  });

  it("stops growing at its limit", () => {
    const many = adf(
      ...Array.from({ length: 1_000 }, () => paragraph(text("x".repeat(100)))),
    );
    expect(adfToMarkdown(many, 5_000).markdown.length).toBeLessThan(6_000);
  });
});

describe("Jira wiki text to Markdown", () => {
  it("writes headings, emphasis, monospace, links, lists and quotes", () => {
    const wiki = [
      "h1. Title",
      "Some *bold*, _italic_, -gone- and {{code_here}} text.",
      "[Docs|https://docs.acme.test] and [https://acme.test]",
      "* one",
      "** nested",
      "# first",
      "bq. quoted",
      "----",
    ].join("\n");
    expect(wikiToMarkdown(wiki, LIMIT).markdown).toBe(
      [
        "# Title",
        "Some **bold**, *italic*, ~~gone~~ and `code_here` text.",
        "[Docs](https://docs.acme.test) and <https://acme.test>",
        "- one",
        "  - nested",
        "1. first",
        "> quoted",
        "---",
      ].join("\n"),
    );
  });

  it("keeps code blocks untouched and reads tables and mentions", () => {
    const wiki = [
      "{code:java}",
      "*not bold* [~accountid:nope]",
      "{code}",
      "||Name||Age||",
      "|Ann|3|",
      "Hi [~accountid:557058:f00] and [~jsmith]",
    ].join("\n");
    const { markdown, mentions } = wikiToMarkdown(wiki, LIMIT);
    expect(markdown).toBe(
      [
        "```java",
        "*not bold* [~accountid:nope]",
        "```",
        "| Name | Age |",
        "| --- | --- |",
        "| Ann | 3 |",
        "Hi @557058:f00 and @jsmith",
      ].join("\n"),
    );
    expect(mentions.map((m) => m.id)).toEqual(["557058:f00", "jsmith"]);
  });

  it("closes a code block the text never closes", () => {
    expect(wikiToMarkdown("{noformat}\nraw *x*", LIMIT).markdown).toBe(
      "```\nraw *x*\n```",
    );
  });
});

describe("an Acceptance criteria section", () => {
  it("is read under a heading, a bold line or a line with a colon, up to the next heading", () => {
    for (const title of [
      "## Acceptance criteria",
      "**Acceptance Criteria**",
      "Acceptance criteria:",
    ]) {
      const markdown = `Intro\n\n${title}\n- [ ] First\n* Second\n1. Third\n\n## Notes\n- not a criterion`;
      expect(acceptanceSection(markdown)).toEqual(["First", "Second", "Third"]);
    }
  });

  it("is empty when the description has none", () => {
    expect(acceptanceSection("Just text\n- a list")).toEqual([]);
  });
});
