/**
 * The machine-readable problem types the server emits: `type` is `https://orderly.dev/problems/<code>`,
 * where <code> is one of PROBLEM_CODES when the error carries one, else the HTTP status. The web app
 * translates by this code (and falls back to the server's English `detail`), so every code listed here
 * needs a zh-CN and an en message, which a test checks.
 */
export const PROBLEM_TYPE_BASE = 'https://orderly.dev/problems/';

export const PROBLEM_CODES = [
  'already_decided',
  'approval-required',
  'below_reserved',
  'concurrent_change',
  'csrf',
  'customer_erased',
  'customer_merged',
  'deletion_blocked',
  'has_payments',
  'idempotency_key_reused',
  'in_recycle_bin',
  'insufficient_stock',
  'invalid_transition',
  'journal_not_settled',
  'last_admin',
  'not_in_recycle_bin',
  'refund_exceeds_payments',
  'stale_preview',
  'step-up-required',
  'own_purge_request',
  'password-reset-required',
  'training-required',
] as const;
export type ProblemCode = (typeof PROBLEM_CODES)[number];

/** The statuses the error mapper can answer with when an error carries no code. */
export const PROBLEM_STATUSES = [400, 401, 403, 404, 409, 412, 413, 415, 422, 423, 429, 500] as const;

/** `https://orderly.dev/problems/stale_preview` → 'stale_preview'; `…/409` → '409'; anything else → undefined. */
export function problemCodeOf(type: string | undefined): string | undefined {
  if (!type?.startsWith(PROBLEM_TYPE_BASE)) return undefined;
  return type.slice(PROBLEM_TYPE_BASE.length) || undefined;
}
