import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Actor } from './actor.js';
import { isoPlus, nowIso } from './clock.js';
import { AppError, invalid } from './errors.js';
import type { JobDefinition } from './jobs.js';

/**
 * `Idempotency-Key` (SPEC §3): a repeat of a command with the same key and the same body returns the first
 * response and changes nothing; the same key with another body is a 422.
 *
 * The command claims the key inside its own transaction, before it changes anything, and stores its response
 * there before commit. The key's primary key makes a concurrent repeat wait for the first and then fail on the
 * duplicate, after which the stored response is replayed: the change happens at most once. A command that
 * fails rolls its claim back, so a retry after an error runs again.
 */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
const KEY_TTL_MS = 24 * 60 * 60_000;
const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;

export interface IdempotencyClaim {
  owner: string;
  key: string;
  requestHash: string;
}

export interface StoredResponse {
  status: number;
  body: unknown;
}

/** Keys belong to the caller: two users may use the same key without meeting. */
const ownerOf = (actor: Actor) => (actor.userId != null ? `user:${actor.userId}` : `${actor.type}:${actor.name}`);

/** Object keys sorted, so the same body written in another key order is the same request. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The claim a request carries, or undefined when it sent no Idempotency-Key. */
export function idempotencyClaimOf(request: FastifyRequest): IdempotencyClaim | undefined {
  const header = request.headers[IDEMPOTENCY_HEADER];
  if (header === undefined) return undefined;
  const key = String(header);
  if (!KEY_PATTERN.test(key)) throw invalid('header Idempotency-Key', 'must be 1 to 200 printable characters without spaces');
  const requestHash = createHash('sha256')
    .update(canonicalJson({ method: request.method, route: request.routeOptions.url, params: request.params, body: request.body }))
    .digest('hex');
  return { owner: ownerOf(request.actor), key, requestHash };
}

/** The stored response of an earlier request with this key; a 422 when that request had another body. */
export async function findStoredResponse(db: Kysely<DB>, claim: IdempotencyClaim): Promise<StoredResponse | undefined> {
  const row = await db
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'status', 'response'])
    .where('owner', '=', claim.owner)
    .where('key', '=', claim.key)
    .where('expires_at', '>', nowIso())
    .executeTakeFirst();
  if (!row || row.status == null) return undefined;
  if (row.request_hash !== claim.requestHash) {
    throw new AppError('unprocessable', `Idempotency-Key ${claim.key} was already used for a different request; use a new key for a new request`, { code: 'idempotency_key_reused' });
  }
  return { status: row.status, body: row.response == null ? null : JSON.parse(row.response) };
}

/** First statement of an idempotent command: takes the key for this transaction (expired keys are taken over). */
export async function claimIdempotencyKey(trx: Transaction<DB>, claim: IdempotencyClaim | undefined): Promise<void> {
  if (!claim) return;
  const now = nowIso();
  await trx.deleteFrom('idempotency_keys').where('owner', '=', claim.owner).where('key', '=', claim.key).where('expires_at', '<=', now).execute();
  await trx
    .insertInto('idempotency_keys')
    .values({ owner: claim.owner, key: claim.key, request_hash: claim.requestHash, status: null, response: null, created_at: now, expires_at: isoPlus(now, KEY_TTL_MS) })
    .execute();
}

/** Last statement of an idempotent command: the response a repeat will get. */
export async function storeIdempotentResponse(trx: Transaction<DB>, claim: IdempotencyClaim | undefined, status: number, body: unknown): Promise<void> {
  if (!claim) return;
  await trx
    .updateTable('idempotency_keys')
    .set({ status, response: JSON.stringify(body) })
    .where('owner', '=', claim.owner)
    .where('key', '=', claim.key)
    .execute();
}

/**
 * Route side: replays a stored response, or runs the command with the claim. When the command fails because a
 * concurrent twin committed first, the twin's response is what this request gets too.
 */
export async function replayOrRun<T>(
  db: Kysely<DB>,
  request: FastifyRequest,
  reply: FastifyReply,
  run: (claim: IdempotencyClaim | undefined) => Promise<T>,
): Promise<T> {
  const claim = idempotencyClaimOf(request);
  if (!claim) return run(undefined);
  const replay = (stored: StoredResponse) => {
    reply.code(stored.status).header('idempotent-replayed', 'true');
    return stored.body as T;
  };
  const stored = await findStoredResponse(db, claim);
  if (stored) return replay(stored);
  try {
    return await run(claim);
  } catch (error) {
    const twin = await findStoredResponse(db, claim);
    if (twin) return replay(twin);
    throw error;
  }
}

/** Keys older than a day are no longer honoured, so the table only keeps a day of them. */
export async function deleteExpiredIdempotencyKeys(db: Kysely<DB>, now = nowIso()): Promise<number> {
  const result = await db.deleteFrom('idempotency_keys').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export const IDEMPOTENCY_CLEANUP_JOB: JobDefinition = {
  name: 'expire-idempotency-keys',
  intervalMs: 60 * 60_000,
  leaseMs: 10 * 60_000,
  run: async (ctx) => ({ deleted: await deleteExpiredIdempotencyKeys(ctx.kysely) }),
};
