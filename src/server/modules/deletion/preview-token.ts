import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Ctx } from '../../db/context.js';
import type { DB } from '../../db/schema.js';
import { nowIso } from '../../platform/clock.js';
import { invalid } from '../../platform/errors.js';

/**
 * The preview token binds a deletion to exactly what the user confirmed: who previewed, whether by ids or by
 * filter, and the set of orders with their versions (as one hash, so a 10,000-order preview stays a short
 * token). It is signed with a secret kept in the settings table, so every instance accepts every other's tokens.
 */
const SECRET_KEY = 'deletion.preview_token_secret';
const secrets = new WeakMap<Kysely<DB>, string>();

export interface PreviewClaims {
  /** The user who took the preview. */
  u: number | null;
  m: 'ids' | 'filter';
  /** sha256 of the sorted "id:version" list. */
  h: string;
  n: number;
  /** Expiry, epoch milliseconds. */
  e: number;
}

/** Reads the shared secret, creating it on first use; a race between instances is settled by the primary key. */
export async function previewSecret(ctx: Ctx): Promise<string> {
  const cached = secrets.get(ctx.kysely);
  if (cached) return cached;
  await ctx.kysely
    .insertInto('settings')
    .values({ key: SECRET_KEY, value: randomBytes(32).toString('hex'), updated_at: nowIso() })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await ctx.kysely.selectFrom('settings').select('value').where('key', '=', SECRET_KEY).executeTakeFirstOrThrow();
  secrets.set(ctx.kysely, row.value);
  return row.value;
}

export function orderSetHash(rows: Array<{ id: number; version: number }>): string {
  const parts = rows.map((r) => `${r.id}:${r.version}`).sort();
  return createHash('sha256').update(parts.join(',')).digest('hex');
}

const mac = (secret: string, payload: string) => createHmac('sha256', secret).update(payload).digest('base64url');

export function signPreviewToken(secret: string, claims: PreviewClaims): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${payload}.${mac(secret, payload)}`;
}

/** The claims of a genuine token (expired ones included: the caller answers those with a fresh preview). */
export function readPreviewToken(secret: string, token: string): PreviewClaims {
  const [payload, signature, extra] = token.split('.');
  const bad = () => invalid('previewToken', 'is not a token returned by POST /api/orders/delete-preview');
  if (!payload || !signature || extra !== undefined) throw bad();
  const expected = Buffer.from(mac(secret, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw bad();
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as PreviewClaims;
    if (typeof claims.h !== 'string' || typeof claims.e !== 'number' || (claims.m !== 'ids' && claims.m !== 'filter')) throw bad();
    return claims;
  } catch {
    throw bad();
  }
}
