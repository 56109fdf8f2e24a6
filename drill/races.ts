/**
 * Races: the same request many times at once must have the effect of one. 100 concurrent repeats of one
 * idempotent deletion → one deletion, one release, one reversal, one audit entry, one event; a burst of wrong
 * passwords for one account → the account locked, however the attempts interleave.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../src/server/db/schema.js';
import { checkInvariants } from '../src/server/modules/integrity/invariants.js';
import type { App } from '../src/server/platform/http.js';
import { DrillClient, expectOk } from './client.js';

export interface IdempotentDeleteResult {
  repeats: number;
  statuses: Record<string, number>;
  /** Distinct batch ids in the 2xx answers: one when every repeat got the first response. */
  batchIds: number;
  effects: { deletions: number; auditEntries: number; releases: number; reversals: number; events: number };
  invariantViolations: number;
  oneEffect: boolean;
}

export interface LockoutResult {
  attempts: number;
  statuses: Record<string, number>;
  failedLoginEntries: number;
  locked: boolean;
  /** The right password after the burst: must be refused while the account is locked. */
  rightPasswordStatus: number;
}

const tally = (statuses: number[]) => statuses.reduce<Record<string, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});
const count = async (q: Promise<{ n: number | string | bigint } | undefined>) => Number((await q)?.n ?? 0);

export async function runIdempotentDelete(app: App, db: Kysely<DB>, adminPassword: string, repeats = 100): Promise<IdempotentDeleteResult> {
  const admin = await new DrillClient({ app }).login('admin', adminPassword);
  const customer = expectOk('customer', await admin.request('POST', '/api/customers', { name: 'Race Customer' }));
  const product = expectOk('product', await admin.request('POST', '/api/products', { sku: `RACE-${Date.now()}`, name: 'Race product', price: '5.00', stock: 100 }));
  const order = expectOk('order', await admin.request('POST', '/api/orders', { customerId: customer.id, items: [{ productId: product.id, quantity: 3 }] }));
  // Confirmed, so the deletion has every effect to double: a stock release and a receivable reversal.
  expectOk('confirm', await admin.request('POST', `/api/orders/${order.id}/confirm`, {}));

  const headers = { 'idempotency-key': `drill-delete-${order.id}` };
  const answers = await Promise.all(Array.from({ length: repeats }, () => admin.request('DELETE', `/api/orders/${order.id}`, { reason: { code: 'duplicate' } }, headers)));
  const orderId = Number(order.id);
  const effects = {
    deletions: await count(db.selectFrom('orders').select(sql<number>`count(*)`.as('n')).where('id', '=', orderId).where('deleted_at', 'is not', null).executeTakeFirst()),
    auditEntries: await count(db.selectFrom('audit_log').select(sql<number>`count(*)`.as('n')).where('action', '=', 'order.delete').where('entity_id', '=', order.id).executeTakeFirst()),
    releases: await count(db.selectFrom('stock_movements').select(sql<number>`count(*)`.as('n')).where('order_id', '=', orderId).where('kind', '=', 'release').executeTakeFirst()),
    reversals: await count(db.selectFrom('ledger_entries').select(sql<number>`count(*)`.as('n')).where('order_id', '=', orderId).where('kind', '=', 'reversal').executeTakeFirst()),
    events: await count(db.selectFrom('outbox').select(sql<number>`count(*)`.as('n')).where('topic', '=', 'order.deleted').executeTakeFirst()),
  };
  const batchIds = new Set(answers.filter((a) => a.status < 300).map((a) => a.body?.batchId)).size;
  const invariantViolations = (await checkInvariants(db)).length;
  const statuses = tally(answers.map((a) => a.status));
  return {
    repeats,
    statuses,
    batchIds,
    effects,
    invariantViolations,
    oneEffect: Object.values(effects).every((n) => n === 1) && batchIds === 1 && statuses['200'] === repeats && invariantViolations === 0,
  };
}

export async function runLockout(app: App, db: Kysely<DB>, adminPassword: string, attempts = 30): Promise<LockoutResult> {
  const admin = await new DrillClient({ app }).login('admin', adminPassword);
  const username = `drill-victim-${Date.now()}`;
  const password = 'the-right-password-1';
  expectOk('user', await admin.request('POST', '/api/users', { username, password, roles: ['sales_rep'] }));
  const before = await count(db.selectFrom('audit_log').select(sql<number>`count(*)`.as('n')).where('action', '=', 'auth.login_failed').where('entity_label', '=', username).executeTakeFirst());
  // Each attempt from its own address: the per-address throttle must not be what stops them.
  const answers = await Promise.all(
    Array.from({ length: attempts }, (_, i) =>
      new DrillClient({ app }).raw({ method: 'POST', url: '/api/auth/login', payload: JSON.stringify({ username, password: `wrong-${i}` }), remoteAddress: `198.51.100.${i % 250}` }),
    ),
  );
  const after = await count(db.selectFrom('audit_log').select(sql<number>`count(*)`.as('n')).where('action', '=', 'auth.login_failed').where('entity_label', '=', username).executeTakeFirst());
  const user = await db.selectFrom('users').select(['locked_until']).where('username', '=', username).executeTakeFirstOrThrow();
  const right = await new DrillClient({ app }).raw({ method: 'POST', url: '/api/auth/login', payload: JSON.stringify({ username, password }), remoteAddress: '198.51.100.251' });
  return {
    attempts,
    statuses: tally(answers.map((a) => a.status)),
    failedLoginEntries: after - before,
    locked: user.locked_until !== null && user.locked_until > new Date().toISOString() && right.status === 401,
    rightPasswordStatus: right.status,
  };
}
