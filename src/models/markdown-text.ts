/** Text on one line: a title or list item cannot open a new block. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** Inline code that holds any text, backticks included. */
export function inlineCode(text: string): string {
  const ticks = "`".repeat(longestRun(text, "`") + 1);
  const padding = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${ticks}${padding}${text}${padding}${ticks}`;
}

/**
 * A fenced block that `text` cannot close early, whatever fences it holds:
 * the fence is longer than any run of backticks inside.
 */
export function fencedBlock(text: string, info: string): string {
  const fence = "`".repeat(Math.max(3, longestRun(text, "`") + 1));
  const body = text.endsWith("\n") ? text : `${text}\n`;
  return `${fence}${info}\n${body}${fence}\n`;
}

function longestRun(text: string, character: string): number {
  let longest = 0;
  let current = 0;
  for (const each of text) {
    current = each === character ? current + 1 : 0;
    longest = Math.max(longest, current);
  }
  return longest;
}
