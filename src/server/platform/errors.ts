import type { ProblemCode } from '../../contracts/problems.js';

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
  /** The schema's issue code (too_big, invalid_format, …), for clients that translate by code. */
  code?: string;
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /**
     * Extra members of the problem document (errors, blockers, shortages …). `code` becomes the problem
     * `type`; it must be a listed ProblemCode so the web app has a message for it in both languages.
     */
    readonly extra: Record<string, unknown> & { errors?: FieldError[]; code?: ProblemCode } = {},
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new AppError('not_found', `${what} not found`);
export const invalid = (field: string, message: string) =>
  new AppError('validation', `${field}: ${message}`, { errors: [{ field, message }] });
