const MAX_REF_LENGTH = 255;

// Characters git check-ref-format refuses, plus ASCII controls.
// biome-ignore lint/suspicious/noControlCharactersInRegex: refused on purpose
const FORBIDDEN = /[\u0000-\u0020\u007f~^:?*[\\]/;

/**
 * True when `name` is a branch, tag or commit name that git would accept
 * (the rules of git check-ref-format) and that cannot be mistaken for an
 * option: refs reach git as arguments, so a leading "-" is refused too.
 */
export function isSafeRefName(name: string): boolean {
  if (name === "" || name.length > MAX_REF_LENGTH || name === "@") {
    return false;
  }
  if (name.startsWith("-") || name.startsWith("/") || name.endsWith("/")) {
    return false;
  }
  if (name.endsWith(".") || name.includes("..") || name.includes("@{")) {
    return false;
  }
  if (FORBIDDEN.test(name)) return false;

  return name
    .split("/")
    .every(
      (part) => part !== "" && !part.startsWith(".") && !part.endsWith(".lock"),
    );
}
