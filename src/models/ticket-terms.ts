const MIN_LETTERS = 4;
const MAX_TERMS = 8;

// Words too common in tickets to tell one file from another.
const STOP_WORDS = new Set(
  [
    "about above after again allow also always because been before being",
    "below both could does doing done during each ensure every feature",
    "from have having here implement implementation into issue just like",
    "make many more most must need needs only other over please same",
    "should some such support than that their them then there these they",
    "this those through ticket under until very want when where which",
    "while will with without would your",
  ]
    .join(" ")
    .split(" "),
);

/**
 * Search terms for a ticket: its words of four or more letters, lower
 * case, without stop words, in order of first appearance (so the title's
 * words come first), at most eight.
 */
export function ticketTerms(text: string): string[] {
  const words = text.toLowerCase().match(/\p{L}+/gu) ?? [];
  const terms: string[] = [];

  for (const word of words) {
    if (word.length < MIN_LETTERS || STOP_WORDS.has(word)) continue;
    if (terms.includes(word)) continue;
    terms.push(word);
    if (terms.length === MAX_TERMS) break;
  }
  return terms;
}
