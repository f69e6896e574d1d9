import { splitCommand } from "./split-command.ts";

/** Written last in an allowed command, lets any further arguments follow. */
export const ANY_ARGUMENTS = "*";

/**
 * Whether `argv` is one of the allowed commands: the same arguments, or,
 * for an entry ending in `*`, the entry's arguments followed by any.
 * Arguments are compared after splitting, so quoting cannot smuggle in a
 * different program.
 */
export function isAllowedCommand(
  argv: readonly string[],
  allowed: readonly string[],
): boolean {
  return allowed.some((entry) => matches(argv, splitCommand(entry)));
}

function matches(argv: readonly string[], pattern: string[]): boolean {
  const open = pattern.at(-1) === ANY_ARGUMENTS;
  const fixed = open ? pattern.slice(0, -1) : pattern;
  if (fixed.length === 0) return false;
  if (open ? argv.length < fixed.length : argv.length !== fixed.length) {
    return false;
  }
  return fixed.every((arg, index) => argv[index] === arg);
}
