/** A command line that cannot be split into arguments. */
export class CommandSyntaxError extends Error {
  constructor(problem: string) {
    super(`command cannot be split into arguments: ${problem}`);
    this.name = "CommandSyntaxError";
  }
}

/**
 * Splits a command line into arguments the way a POSIX shell quotes, and
 * nothing more: single and double quotes and backslashes group text, but
 * `$`, backticks, globs, redirections, pipes and `;` are plain characters.
 * The result is passed to the program itself, never to a shell.
 */
export function splitCommand(line: string): string[] {
  const args: string[] = [];
  let current = "";
  let started = false;
  let quote: "'" | '"' | undefined;

  for (let index = 0; index < line.length; index += 1) {
    const char = line[index] ?? "";
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else current += char;
      continue;
    }
    if (char === "\\") {
      const next = line[index + 1];
      if (next === undefined) throw new CommandSyntaxError("a trailing \\");
      current += next;
      started = true;
      index += 1;
      continue;
    }
    if (quote === '"') {
      if (char === '"') quote = undefined;
      else current += char;
      continue;
    }
    if (char === "'" || char === '"') {
      quote = char;
      started = true;
    } else if (/\s/.test(char)) {
      if (started) args.push(current);
      current = "";
      started = false;
    } else {
      current += char;
      started = true;
    }
  }
  if (quote) throw new CommandSyntaxError(`an unclosed ${quote}`);
  if (started) args.push(current);
  if (args.length === 0) throw new CommandSyntaxError("it is empty");
  return args;
}
