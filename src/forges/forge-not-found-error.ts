/** A repository, merge request, ref or file the forge does not have. */
export class ForgeNotFoundError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ForgeNotFoundError";
  }
}
