/**
 * Errors with a stable code. Every error the HTTP API returns has the shape
 * `{ error: { code, message, details } }`; the codes are listed in
 * README.md ("Error codes") and never renamed once published.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus = 400,
    readonly details: unknown[] = [],
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (what: string) => new AppError('not_found', `${what} was not found`, 404);

export function errorBody(code: string, message: string, details: unknown[] = []) {
  return { error: { code, message, details } };
}
