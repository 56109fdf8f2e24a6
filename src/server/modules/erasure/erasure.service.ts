import { sql, type Kysely, type Transaction } from 'kysely';
import type { ErasureSummary } from '../../../contracts/customers.js';
import { lockRows } from '../../db/claim.js';
import type { Dialect } from '../../db/connect.js';
import type { Ctx } from '../../db/context.js';
import type { DB } from '../../db/schema.js';
import { escapeLike, searchKey } from '../../db/search.js';
import { requirePermission, type Actor } from '../../platform/actor.js';
import { recordAudit } from '../../platform/audit.js';
import { nowIso } from '../../platform/clock.js';
import { AppError, invalid, notFound } from '../../platform/errors.js';
import { ERASED_VALUE, erasedCustomerLabel } from '../../platform/personal-data.js';
import { assertSteppedUp } from '../auth/step-up.service.js';

/*
 * Personal-data erasure (PIPL / GDPR right to erasure, issue 14). The customer row keeps its id, so orders,
 * stock and money stay whole, but name, phone, e-mail and note are overwritten; the customer's data key is
 * destroyed, which leaves every value the audit log sealed with it unreadable while the chain still verifies;
 * and every other copy of the values (notification texts, outbox and webhook bodies, stored replies, data-quality
 * samples, cleanup candidates, notes) is overwritten in the same transaction.
 */

/**
 * Text columns that may hold a copy of a customer's personal value, each with the key to update a row by.
 * JSON columns are safe to rewrite as text: a value is replaced by its JSON-escaped form too, and the
 * replacement has no character JSON escapes.
 */
const COPIES = [
  { table: 'outbox', column: 'payload', key: ['id'] },
  { table: 'webhook_deliveries', column: 'body', key: ['id'] },
  { table: 'notifications', column: 'params', key: ['id'] },
  { table: 'email_deliveries', column: 'params', key: ['id'] },
  { table: 'idempotency_keys', column: 'response', key: ['owner', 'key'] },
  { table: 'data_quality_runs', column: 'results', key: ['id'] },
  { table: 'cleanup_candidates', column: 'customer_name', key: ['review_id', 'order_id'] },
  { table: 'cleanup_reviews', column: 'note', key: ['id'] },
  { table: 'cleanup_rules', column: 'match', key: ['id'] },
  { table: 'restore_requests', column: 'note', key: ['id'] },
  { table: 'restore_requests', column: 'decision_note', key: ['id'] },
  { table: 'purge_requests', column: 'decision_note', key: ['id'] },
  { table: 'orders', column: 'note', key: ['id'] },
  { table: 'orders', column: 'delete_note', key: ['id'] },
  { table: 'orders', column: 'hold_reason', key: ['id'] },
] as const;

interface Replacement {
  value: string;
  by: string;
}

/** Every written form of each value (as typed, and JSON-escaped), longest first so a name inside a longer value goes with it. */
function replacementsOf(customerId: number, row: { name: string; phone: string | null; email: string | null; note: string | null }): Replacement[] {
  const list: Replacement[] = [];
  const add = (value: string | null, by: string) => {
    if (!value?.trim()) return;
    for (const form of new Set([value, JSON.stringify(value).slice(1, -1)])) list.push({ value: form, by });
  };
  add(row.name, erasedCustomerLabel(customerId));
  add(row.phone, ERASED_VALUE);
  add(row.email, ERASED_VALUE);
  add(row.note, ERASED_VALUE);
  return list.sort((a, b) => b.value.length - a.value.length);
}

const scrub = (text: string, replacements: Replacement[]) => replacements.reduce((t, r) => t.replaceAll(r.value, r.by), text);

/** Rewrites the rows of one column that contain any of the values; returns how many changed. */
async function scrubColumn(trx: Transaction<DB>, copy: (typeof COPIES)[number], replacements: Replacement[]): Promise<number> {
  // The tables are named by the list above, so their rows are typed generically here.
  const db = trx as unknown as Kysely<Record<string, Record<string, unknown>>>;
  const contains = replacements.map((r) => sql<boolean>`${sql.ref(copy.column)} like ${`%${escapeLike(r.value)}%`} escape '\\'`);
  const rows = await db
    .selectFrom(copy.table)
    .select([...copy.key, copy.column])
    .where(sql<boolean>`(${sql.join(contains, sql` or `)})`)
    .execute();
  let changed = 0;
  for (const row of rows) {
    const before = row[copy.column] as string;
    const after = scrub(before, replacements);
    // LIKE ignores ASCII case on SQLite; only an exact occurrence is the customer's value.
    if (after === before) continue;
    let update = db.updateTable(copy.table).set({ [copy.column]: after });
    for (const k of copy.key) update = update.where(k, '=', row[k]);
    await update.execute();
    changed++;
  }
  return changed;
}

/** Audit entries holding any of the values as written (free text from before erasure); none is expected. */
async function auditEntriesInClear(trx: Transaction<DB>, replacements: Replacement[]): Promise<number> {
  if (replacements.length === 0) return 0;
  const contains = replacements.flatMap((r) =>
    (['entity_label', 'diff', 'reason'] as const).map((column) => sql<boolean>`${sql.ref(column)} like ${`%${escapeLike(r.value)}%`} escape '\\'`),
  );
  const row = await trx
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where(sql<boolean>`(${sql.join(contains, sql` or `)})`)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function auditEntriesSealedFor(trx: Transaction<DB>, customerId: number): Promise<number> {
  const marker = `%sealed:v1:c${customerId}:%`;
  const row = await trx
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) => eb.or([eb('entity_label', 'like', marker), eb('diff', 'like', marker)]))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * The erasure itself, inside the caller's transaction (the HTTP command, or a restore re-applying an erasure
 * made after its backup). `confirm` is checked when given: the customer's id or current name, as typed.
 */
export async function eraseCustomerWithin(
  trx: Transaction<DB>,
  dialect: Dialect,
  actor: Actor,
  customerId: number,
  options: { confirm?: string; reapplied?: boolean } = {},
): Promise<ErasureSummary> {
  const row = await lockRows(trx.selectFrom('customers').selectAll().where('id', '=', customerId), dialect).executeTakeFirst();
  if (!row) throw notFound('Customer');
  if (row.erased_at != null) throw new AppError('conflict', `Customer #${customerId}: the personal data was already erased`, { code: 'customer_erased' });
  if (options.confirm !== undefined && options.confirm !== String(customerId) && options.confirm !== row.name) {
    throw invalid('confirm', 'type the customer’s id or name exactly as shown');
  }
  const now = nowIso();
  const label = erasedCustomerLabel(customerId);
  const replacements = replacementsOf(customerId, row);

  await trx
    .updateTable('customers')
    .set({ name: label, name_key: searchKey(label), phone: null, email: null, note: null, active: 0, erased_at: now, version: row.version + 1, updated_at: now })
    .where('id', '=', customerId)
    .execute();
  // The key goes; its row stays as the record that this customer was erased (a restore re-applies it).
  const erasedKey = { data_key: null, erased_at: now, erased_by: actor.userId };
  await trx
    .insertInto('customer_keys')
    .values({ customer_id: customerId, created_at: now, ...erasedKey })
    .onConflict((oc) => oc.column('customer_id').doUpdateSet(erasedKey))
    .execute();

  const scrubbed: Record<string, number> = {};
  if (replacements.length > 0) {
    for (const copy of COPIES) {
      const n = await scrubColumn(trx, copy, replacements);
      if (n > 0) scrubbed[`${copy.table}.${copy.column}`] = n;
    }
  }
  const orders = await trx.selectFrom('orders').select((eb) => eb.fn.countAll<number>().as('n')).where('customer_id', '=', customerId).executeTakeFirstOrThrow();
  const summary: ErasureSummary = {
    customerId: String(customerId),
    erasedAt: now,
    name: label,
    orders: Number(orders.n),
    auditEntriesShredded: await auditEntriesSealedFor(trx, customerId),
    auditEntriesInClear: await auditEntriesInClear(trx, replacements),
    scrubbed,
    reapplied: options.reapplied ?? false,
  };
  // Names the customer by id only: this entry must not become a copy of what it erased.
  await recordAudit(trx, dialect, actor, {
    action: 'customer.erase',
    entityType: 'customer',
    entityId: customerId,
    entityLabel: label,
    diff: { orders: summary.orders, auditEntriesShredded: summary.auditEntriesShredded, auditEntriesInClear: summary.auditEntriesInClear, scrubbed, reapplied: summary.reapplied },
  });
  return summary;
}

/** POST /api/customers/:id/erase: admins only (customers.erase), after a recent step-up, with the id or name typed. */
export async function eraseCustomer(ctx: Ctx, actor: Actor, customerId: number, confirm: string): Promise<ErasureSummary> {
  requirePermission(actor, 'customers.erase');
  await assertSteppedUp(ctx.kysely, actor);
  return ctx.kysely.transaction().execute((trx) => eraseCustomerWithin(trx, ctx.dialect, actor, customerId, { confirm }));
}

/** The customers erased in a database, read before a restore replaces it so that the restore can erase them again. */
export async function erasedCustomerIds(db: Kysely<DB> | Transaction<DB>): Promise<number[]> {
  const rows = await db.selectFrom('customer_keys').select('customer_id').where('erased_at', 'is not', null).orderBy('customer_id').execute();
  return rows.map((r) => Number(r.customer_id));
}

/**
 * After a restore: erases again every customer that had been erased before it but is not erased in the backup
 * (the backup was taken before the erasure). A customer the backup does not hold at all has nothing to erase.
 */
export async function reapplyErasures(trx: Transaction<DB>, dialect: Dialect, actor: Actor, customerIds: number[]): Promise<ErasureSummary[]> {
  if (customerIds.length === 0) return [];
  const pending = await trx.selectFrom('customers').select('id').where('id', 'in', customerIds).where('erased_at', 'is', null).orderBy('id').execute();
  const done: ErasureSummary[] = [];
  for (const c of pending) done.push(await eraseCustomerWithin(trx, dialect, actor, Number(c.id), { reapplied: true }));
  return done;
}
