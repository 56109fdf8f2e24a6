/** The one error type services throw; `code` decides the HTTP status in the single error mapper (app.ts). */
export type ErrorCode =
  | 'validation'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'precondition_failed'
  | 'unprocessable'
  | 'locked'
  | 'rate_limited';

export const STATUS_OF: Record<ErrorCode, number> = {
  validation: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  precondition_failed: 412,
  unprocessable: 422,
  locked: 423,
  rate_limited: 429,
};

export const TITLE_OF: Record<ErrorCode, string> = {
  validation: 'Invalid input',
  unauthenticated: 'Sign-in required',
  forbidden: 'Not permitted',
  not_found: 'Not found',
  conflict: 'Conflict',
  precondition_failed: 'Precondition failed',
  unprocessable: 'Unprocessable request',
  locked: 'Locked',
  rate_limited: 'Too many requests',
};

export interface FieldError {
  field: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra members of the problem document (errors, blockers, shortages …). */
    readonly extra: Record<string, unknown> & { errors?: FieldError[] } = {},
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new AppError('not_found', `${what} not found`);
export const invalid = (field: string, message: string) =>
  new AppError('validation', `${field}: ${message}`, { errors: [{ field, message }] });
