/**
 * A ref, path or project name from a user that the forge will not pass to
 * git: it is malformed, or it could be read as an option.
 */
export class ForgeInputError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ForgeInputError";
  }
}
