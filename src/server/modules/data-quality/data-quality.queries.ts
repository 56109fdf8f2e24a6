import { sql, type Kysely } from 'kysely';
import { fromMinor } from '../../../contracts/common.js';
import { DATA_QUALITY_SAMPLES, STALE_DRAFT_DAYS, type DataQualityCheckCode, type DataQualitySample } from '../../../contracts/data-quality.js';
import type { CUSTOMER_REQUIRED_FIELDS } from '../../../contracts/settings.js';
import type { Dialect } from '../../db/connect.js';
import { shiftedTimestamp } from '../../db/dates.js';
import type { DB } from '../../db/schema.js';
import { isoPlus } from '../../platform/clock.js';
import { checkInvariants } from '../integrity/invariants.js';

/**
 * The data-quality checks. Each is one query returning the first few offending rows with the total count
 * alongside (`count(*) over ()`), so a clean database transfers nothing and a broken one a handful of rows.
 */

export interface CheckResult {
  code: DataQualityCheckCode;
  count: number;
  samples: DataQualitySample[];
}

export interface CheckInput {
  now: Date;
  dialect: Dialect;
  requiredCustomerFields: Array<(typeof CUSTOMER_REQUIRED_FIELDS)[number]>;
  paymentTermsDays: number;
}

const DAY_MS = 86_400_000;
/** Two orders of the same customer and lines this close together are likely one order entered twice. */
const DUPLICATE_WINDOW_SECONDS = 10 * 60;
const LIMIT = DATA_QUALITY_SAMPLES;
const total = (rows: Array<{ total: unknown }>) => Number(rows[0]?.total ?? 0);
const daysSince = (iso: string, now: Date) => Math.floor((now.getTime() - Date.parse(iso)) / DAY_MS);

async function staleDrafts(db: Kysely<DB>, { now }: CheckInput): Promise<CheckResult> {
  const rows = await db
    .selectFrom('orders as o')
    .select((eb) => ['o.id', 'o.number', 'o.owner_id', 'o.updated_at', eb.fn.countAll().over().as('total')])
    .where('o.deleted_at', 'is', null)
    .where('o.status', '=', 'draft')
    .where('o.updated_at', '<', isoPlus(now.toISOString(), -STALE_DRAFT_DAYS * DAY_MS))
    .orderBy('o.updated_at')
    .orderBy('o.id')
    .limit(LIMIT)
    .execute();
  return {
    code: 'stale_drafts',
    count: total(rows),
    samples: rows.map((r) => ({ entityType: 'order', id: String(r.id), label: r.number, ownerId: String(r.owner_id), detail: `untouched for ${daysSince(r.updated_at, now)} days` })),
  };
}

/** Each later order of a likely duplicate pair, once, with the earliest order it repeats. Cancelled ones are settled. */
async function duplicateOrders(db: Kysely<DB>, { dialect }: CheckInput): Promise<CheckResult> {
  const rows = await db
    .selectFrom('orders as b')
    .innerJoin('orders as a', (join) =>
      join
        .onRef('a.signature', '=', 'b.signature')
        .onRef('a.customer_id', '=', 'b.customer_id')
        .onRef('a.id', '<', 'b.id')
        .on('a.deleted_at', 'is', null)
        .on('a.status', '<>', 'cancelled')
        .onRef('a.created_at', '<=', 'b.created_at')
        .on((eb) => eb('a.created_at', '>=', shiftedTimestamp(dialect, 'b.created_at', -DUPLICATE_WINDOW_SECONDS))),
    )
    .select((eb) => ['b.id', 'b.number', 'b.owner_id', eb.fn.min('a.id').as('other_id'), eb.fn.min('a.number').as('other_number'), eb.fn.countAll().over().as('total')])
    .where('b.deleted_at', 'is', null)
    .where('b.status', '<>', 'cancelled')
    // Only signatures two orders share can pair: found by reading the signature index alone, so the orders
    // themselves are read for a few thousand candidates instead of every order in the book. The index covers the
    // live orders on PostgreSQL and every order on SQLite (migration 0028), and the filter follows it: on a
    // whole-table index a `deleted_at` condition would read every row. Deleted candidates are dropped by the pairing.
    .where('b.signature', 'in', (eb) =>
      eb
        .selectFrom('orders')
        .select('signature')
        .$if(dialect === 'postgres', (q) => q.where('deleted_at', 'is', null))
        .groupBy('signature')
        .having((h) => h.fn.countAll(), '>', 1),
    )
    .groupBy(['b.id', 'b.number', 'b.owner_id'])
    .orderBy('b.id', 'desc')
    .limit(LIMIT)
    .execute();
  return {
    code: 'duplicate_orders',
    count: total(rows),
    samples: rows.map((r) => ({
      entityType: 'order',
      id: String(r.id),
      label: r.number,
      ownerId: String(r.owner_id),
      related: { id: String(r.other_id), label: String(r.other_number) },
      detail: `same customer and lines as ${String(r.other_number)}, within 10 minutes`,
    })),
  };
}

async function unpaidOverdue(db: Kysely<DB>, { now, paymentTermsDays }: CheckInput): Promise<CheckResult> {
  const rows = await db
    .selectFrom('orders as o')
    .select((eb) => ['o.id', 'o.number', 'o.owner_id', 'o.total', 'o.paid', 'o.confirmed_at', eb.fn.countAll().over().as('total_count')])
    .where('o.deleted_at', 'is', null)
    .where('o.status', '=', 'confirmed')
    .where('o.confirmed_at', '<', isoPlus(now.toISOString(), -paymentTermsDays * DAY_MS))
    .whereRef('o.paid', '<', 'o.total')
    .orderBy('o.confirmed_at')
    .orderBy('o.id')
    .limit(LIMIT)
    .execute();
  return {
    code: 'unpaid_overdue',
    count: Number(rows[0]?.total_count ?? 0),
    samples: rows.map((r) => ({
      entityType: 'order',
      id: String(r.id),
      label: r.number,
      ownerId: String(r.owner_id),
      detail: `${fromMinor(r.total - r.paid)} unpaid, due ${daysSince(r.confirmed_at!, now) - paymentTermsDays} days ago`,
    })),
  };
}

async function customersMissingFields(db: Kysely<DB>, { requiredCustomerFields }: CheckInput): Promise<CheckResult> {
  if (requiredCustomerFields.length === 0) return { code: 'customers_missing_fields', count: 0, samples: [] };
  const rows = await db
    .selectFrom('customers as c')
    .select((eb) => ['c.id', 'c.name', 'c.phone', 'c.email', eb.fn.countAll().over().as('total')])
    .where((eb) => eb.or(requiredCustomerFields.map((field) => eb.or([eb(`c.${field}`, 'is', null), eb(`c.${field}`, '=', '')]))))
    .orderBy('c.id')
    .limit(LIMIT)
    .execute();
  return {
    code: 'customers_missing_fields',
    count: total(rows),
    samples: rows.map((r) => ({ entityType: 'customer', id: String(r.id), label: r.name, detail: `missing ${requiredCustomerFields.filter((f) => !r[f]).join(', ')}` })),
  };
}

/**
 * An order's total against the sum of its lines, and each line's total against quantity × unit price. The lines
 * are summed per order in the order of a covering index (migration 0018) and each sum meets its order by key,
 * so nothing is sorted; orders without any line are found by reading the table once with an index probe where
 * the total is not 0.
 */
async function totalMismatch(db: Kysely<DB>): Promise<CheckResult> {
  const { rows } = await sql<{ id: number; number: string; owner_id: number; total: number; line_sum: number | null; total_count: unknown }>`
    select x.*, count(*) over () as total_count from (
      select o.id, o.number, o.owner_id, o.total, s.line_sum
      from (
        select order_id, sum(line_total) as line_sum, sum(quantity * unit_price) as priced_sum
        from order_items group by order_id
      ) s
      join orders o on o.id = s.order_id
      where o.deleted_at is null and (s.line_sum <> o.total or s.priced_sum <> o.total)
      union all
      -- liveness inside the CASE: a plain deleted_at test would let the planner walk a partial index of live
      -- orders and fetch every row at random, several times slower than reading the table through
      select o.id, o.number, o.owner_id, o.total, null
      from orders o
      where case when o.deleted_at is null then o.total else 0 end <> 0 and not exists (select 1 from order_items i where i.order_id = o.id)
    ) x
    order by x.id
    limit ${LIMIT}`.execute(db);
  return {
    code: 'total_mismatch',
    count: Number(rows[0]?.total_count ?? 0),
    samples: rows.map((r) => ({ entityType: 'order', id: String(r.id), label: r.number, ownerId: String(r.owner_id), detail: `total ${fromMinor(Number(r.total))}, lines add up to ${fromMinor(Number(r.line_sum ?? 0))}` })),
  };
}

/** Open orders (not completed or cancelled) whose owner can no longer sign in: nobody follows them up. */
async function disabledOwner(db: Kysely<DB>): Promise<CheckResult> {
  const rows = await db
    .selectFrom('orders as o')
    .innerJoin('users as u', 'u.id', 'o.owner_id')
    .select((eb) => ['o.id', 'o.number', 'o.owner_id', 'u.username', eb.fn.countAll().over().as('total')])
    .where('u.disabled', '=', 1)
    .where('o.deleted_at', 'is', null)
    .where('o.status', 'in', ['draft', 'confirmed', 'shipped'])
    .orderBy('o.id')
    .limit(LIMIT)
    .execute();
  return {
    code: 'disabled_owner',
    count: total(rows),
    samples: rows.map((r) => ({ entityType: 'order', id: String(r.id), label: r.number, ownerId: String(r.owner_id), detail: `owner ${r.username} is disabled` })),
  };
}

const JOURNAL_LIMIT = 1_000;

async function journalInvariants(db: Kysely<DB>): Promise<CheckResult> {
  const violations = await checkInvariants(db, { limitPerCheck: JOURNAL_LIMIT });
  return {
    code: 'journal_invariants',
    count: violations.length,
    samples: violations.slice(0, LIMIT).map((v) => ({ entityType: v.entity.type, id: v.entity.id, label: v.entity.label, detail: `${v.code}: ${v.detail}` })),
  };
}

export const CHECKS: Record<DataQualityCheckCode, (db: Kysely<DB>, input: CheckInput) => Promise<CheckResult>> = {
  journal_invariants: journalInvariants,
  stale_drafts: staleDrafts,
  duplicate_orders: duplicateOrders,
  unpaid_overdue: unpaidOverdue,
  customers_missing_fields: customersMissingFields,
  total_mismatch: totalMismatch,
  disabled_owner: disabledOwner,
};
