/** A path that would leave the workspace or touch its .git directory. */
export class WorkspacePathError extends Error {
  readonly relativePath: string;

  constructor(relativePath: string, problem: string) {
    super(`workspace path ${JSON.stringify(relativePath)} ${problem}`);
    this.name = "WorkspacePathError";
    this.relativePath = relativePath;
  }
}
