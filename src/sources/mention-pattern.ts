/** The trigger's mention as a whole word, in any case: `@flowgate` and
 * `@Flowgate`, but not `@flowgate-dev`. */
export function mentionPattern(mention: string, flags = ""): RegExp {
  const escaped = mention.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(?<![\\w@-])${escaped}(?![\\w-])`, `i${flags}`);
}
