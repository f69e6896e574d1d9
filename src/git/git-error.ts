export interface GitErrorDetails {
  subcommand: string;
  stderr: string;
  /** The process's exit code; undefined when it was killed or never ran. */
  exitCode: number | undefined;
  cause: unknown;
}

/** A git process that failed, timed out or could not be started. */
export class GitError extends Error {
  readonly subcommand: string;
  readonly stderr: string;
  readonly exitCode: number | undefined;

  constructor(message: string, details: GitErrorDetails) {
    super(message, { cause: details.cause });
    this.name = "GitError";
    this.subcommand = details.subcommand;
    this.stderr = details.stderr;
    this.exitCode = details.exitCode;
  }
}
