import type { Problem } from '../../contracts/common.js';
import { problemCodeOf } from '../../contracts/problems.js';

/**
 * The one way the web app talks to the server: JSON in, JSON out, problem+json turned into a
 * ProblemError, and the session's CSRF token attached to every write.
 */

export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem & Record<string, unknown>,
  ) {
    super(problem.detail ?? problem.title);
  }

  get fieldErrors(): Array<{ field: string; message: string }> {
    return this.problem.errors ?? [];
  }

  /** The machine-readable code some problems carry (`insufficient_stock`, `csrf` …). */
  get code(): string | undefined {
    return typeof this.problem.code === 'string' ? this.problem.code : undefined;
  }
}

let csrfToken: string | null = null;
let onUnauthenticated: () => void = () => undefined;
let onStepUpRequired: (() => Promise<boolean>) | null = null;

/**
 * Called when a request comes back 403 `step-up-required` (SPEC §5: purge, deleting more than 100 orders, role
 * changes): it asks the user for their password and resolves true once confirmed, and the request is sent again —
 * so every dialog that can meet the rule gets the prompt and the retry without knowing about it.
 */
export function setStepUpHandler(handler: (() => Promise<boolean>) | null): void {
  onStepUpRequired = handler;
}

const isStepUpRequired = (error: ProblemError) => error.status === 403 && typeof error.problem.type === 'string' && error.problem.type.endsWith('/step-up-required');

/** Remembered from sign-in or /api/auth/me; the server refuses cookie-authenticated writes without it. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when any request comes back 401, so the session can be dropped and the sign-in page shown. */
export function setUnauthenticatedHandler(handler: () => void): void {
  onUnauthenticated = handler;
}

export type QueryValue = string | number | undefined | null | readonly string[];

export function buildQueryString(query: Record<string, QueryValue>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) {
      if (value.length) params.set(key, value.join(','));
    } else params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

interface RequestOptions {
  body?: unknown;
  query?: Record<string, QueryValue>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

async function readProblem(response: Response): Promise<ProblemError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    /* not JSON: a proxy or the network said no */
  }
  const problem =
    body && typeof body === 'object' && 'title' in body
      ? (body as Problem & Record<string, unknown>)
      : { type: 'about:blank', title: response.statusText || 'Request failed', status: response.status };
  return new ProblemError(response.status, problem);
}

export async function apiRequest<T>(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, options: RequestOptions = {}): Promise<T> {
  try {
    return await sendRequest<T>(method, path, options);
  } catch (error) {
    // The refused request changed nothing (the rule is checked before any write), so sending it again is safe.
    if (error instanceof ProblemError && isStepUpRequired(error) && onStepUpRequired && (await onStepUpRequired())) return sendRequest<T>(method, path, options);
    throw error;
  }
}

async function sendRequest<T>(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, options: RequestOptions): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(`${path}${options.query ? buildQueryString(options.query) : ''}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    credentials: 'same-origin',
    signal: options.signal,
  });
  if (!response.ok) {
    const error = await readProblem(response);
    if (response.status === 401 && path !== '/api/auth/login') onUnauthenticated();
    // The server holds the account to its account page until the new password an admin asked for is set; a
    // fresh load of /account reads the session again (mustChangePassword) and keeps the user there.
    if (response.status === 403 && problemCodeOf(error.problem.type) === 'password-reset-required' && window.location.pathname !== '/account') window.location.assign('/account');
    throw error;
  }
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export const apiGet = <T>(path: string, query?: Record<string, QueryValue>, signal?: AbortSignal) => apiRequest<T>('GET', path, { query, signal });
export const apiPost = <T>(path: string, body: unknown = {}, headers?: Record<string, string>) => apiRequest<T>('POST', path, { body, headers });
export const apiPatch = <T>(path: string, body: unknown, headers?: Record<string, string>) => apiRequest<T>('PATCH', path, { body, headers });
export const apiPut = <T>(path: string, body: unknown, headers?: Record<string, string>) => apiRequest<T>('PUT', path, { body, headers });
