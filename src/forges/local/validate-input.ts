import { isSafeRefName } from "../../git/ref-name.ts";
import { ForgeInputError } from "../forge-input-error.ts";

/** Refuses a branch, tag or sha that git would reject or read as option. */
export function assertRefName(ref: string, what: string): void {
  if (!isSafeRefName(ref)) {
    throw new ForgeInputError(
      `${what} ${JSON.stringify(ref)} is not a valid git ref name`,
    );
  }
}

/** Refuses a file path that is not a plain path inside a repository. */
export function assertRepositoryPath(filePath: string): void {
  const segments = filePath.split("/");
  const valid =
    filePath !== "" &&
    !filePath.includes("\0") &&
    segments.every((part) => part !== "" && part !== "." && part !== "..");

  if (!valid) {
    throw new ForgeInputError(
      `file path ${JSON.stringify(filePath)} must be relative, without ` +
        'empty, "." or ".." parts',
    );
  }
}
