/** A refusal the API turns into a status and a message the caller can act on. */
export class DirectoryError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409,
    message: string,
  ) {
    super(message);
  }
}
