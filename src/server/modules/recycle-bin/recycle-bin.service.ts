import { createHash } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import { fromMinor } from '../../../contracts/common.js';
import {
  UNDO_WINDOW_MS,
  type DeleteReasonCode,
  type OrderRef,
  type PurgeInput,
  type PurgeResult,
  type RecycleBinItem,
  type RecycleBinPage,
  type RecycleBinQuery,
  type RestoreInput,
  type RestoreResult,
} from '../../../contracts/deletion.js';
import type { OrderStatus } from '../../../contracts/orders.js';
import type { Config } from '../../config.js';
import type { Ctx } from '../../db/context.js';
import { claimRows, lockRows } from '../../db/claim.js';
import type { Dialect } from '../../db/connect.js';
import { decodeTextKeysetCursor, encodeKeysetCursor } from '../../db/cursor.js';
import type { DB, OrderRow } from '../../db/schema.js';
import { ofCustomers } from '../../db/search.js';
import { binCountFromSummary } from '../../db/dashboard-summary.js';
import { indexedBy, runCompiled } from '../../db/compiled.js';
import { literalLimit } from '../../db/connect.js';
import { nameToken, pageNames } from '../../db/names.js';
import { ownerFilter, requirePermission, scopeOf, type Actor } from '../../platform/actor.js';
import { recordAudit } from '../../platform/audit.js';
import { nowIso } from '../../platform/clock.js';
import { AppError } from '../../platform/errors.js';
import { claimIdempotencyKey, storeIdempotentResponse, type IdempotencyClaim } from '../../platform/idempotency.js';
import { publish } from '../../platform/outbox.js';
import { ensureVerifiedBackup } from '../backup/backup.service.js';
import type { PurgeRequested } from '../../../contracts/governance.js';
import { assertSteppedUp } from '../auth/step-up.service.js';
import { getSetting } from '../settings/settings.service.js';
import { idChunks } from '../../db/chunks.js';
import { inIdSet, isSetForIds } from '../../db/row-sets.js';
import { assertSettled, postReceivables, reserveStock } from '../journals/journals.service.js';
import { applyParts, filterParts, legalHoldOf, typedNumbers, withMatchedCustomers, yearsOfNumbers, type MatchedCustomers } from '../orders/orders.queries.js';

/**
 * The recycle bin: deleted (soft) orders, restored back to life or purged (hard) — by hand, or by the purge
 * job once `purge_after` has passed. Deleted rows keep their number, so a number is never handed out twice.
 */

/**
 * The index a page and the count of the bin are read through on SQLite (db/compiled.ts `indexedBy`), by the
 * filter that narrows the bin most. None for a typed number: the bin's condition is then written so that no index
 * of the bin fits it (row-sets.ts `isSetForIds`), and the number's own unique index gives the few orders it names.
 */
function binIndex(query: RecycleBinQuery, byNumber: boolean, byName: boolean, ownerId: number | undefined): string | undefined {
  if (byNumber) return undefined;
  if (query.batchId) return 'orders_deleted_batch';
  if (byName) return 'orders_deleted_customer';
  if (query.reason) return 'orders_deleted_code';
  return ownerId === undefined ? 'orders_deleted' : 'orders_deleted_owner';
}

/** What a bin page shows of each order (names come from the per-process cache: db/names.ts). */
const BIN_COLUMNS = [
  'd.id',
  'd.number',
  'd.status',
  'd.total',
  'd.customer_id',
  'd.owner_id',
  'd.deleted_at',
  'd.deleted_by',
  'd.delete_reason',
  'd.delete_note',
  'd.delete_batch_id',
  'd.purge_after',
  'd.hold_reason',
  'd.held_at',
  'd.held_by',
] as const;

/**
 * GET /api/recycle-bin: newest deletions first, in the caller's `orders.read` scope. Page and count are compiled
 * once per shape (db/compiled.ts) from one list of conditions, so "N items" is what paging through the pages would
 * show; the page reads its ids from the index first and only then their rows (a deferred join, as the order list
 * does), and takes customer and user names from the per-process cache (db/names.ts) instead of three joins a row.
 */
export async function listRecycleBin(ctx: Ctx, actor: Actor, query: RecycleBinQuery): Promise<RecycleBinPage> {
  const db = ctx.kysely;
  const ownerId = ownerFilter(actor, 'orders.read');
  // The order list's conditions for what both filter by (the caller's scope, a typed number, a customer's name),
  // so a typed number or a name means the same in both and reads the same index; then the bin's own.
  const filter = { q: query.q, number: query.number };
  const typed = typedNumbers(filter);
  const parts = filterParts(ctx.dialect, filter, { ownerId }, await yearsOfNumbers(db, typed));
  if (query.reason) parts.push({ shape: 'reason', values: [query.reason], apply: (q, [v]) => q.where('o.delete_reason', '=', v as string) });
  if (query.batchId) parts.push({ shape: 'batch', values: [query.batchId], apply: (q, [v]) => q.where('o.delete_batch_id', '=', v as string) });
  const byNumber = typed.some((t) => t !== undefined);
  const byName = parts.some((p) => p.name);
  const index = binIndex(query, byNumber, byName, ownerId);
  const cursor = query.cursor ? decodeTextKeysetCursor(query.cursor) : undefined;
  // Kept prepared on PostgreSQL: planning the page for the ids of 508 matched customers took longer than running
  // it (bench/README.md). Each filter reads the bin's index made for it whatever its value, so one plan serves
  // every value; a typed number's ranges are left to the planner.
  const prepared = { prepared: !byNumber };

  // On PostgreSQL the customers a name matches are read (or kept: withMatchedCustomers) once, as the order list
  // does (orders.queries.ts MANY_CUSTOMERS), and page and count both take their ids, instead of each running the
  // trigram match again.
  const readBin = (matched: MatchedCustomers | undefined) => {
    const read = matched ? parts.with(matched.index, { shape: 'customers', values: [matched.ids], apply: (q, [v]) => q.where(ofCustomers(v)) }) : parts;
    const filterValues = read.flatMap((p) => p.values);
    const inBin = (values: readonly unknown[]) => {
      const orders = db.selectFrom('orders as o');
      return applyParts(byNumber ? orders.where(isSetForIds('deleted_at')) : orders.where('o.deleted_at', 'is not', null), read, values);
    };
    const shape = `${read.map((p) => p.shape).join(',')}|${byNumber ? 'number' : 'bin'}|${index ?? 'planner'}`;
    const count = (values: readonly unknown[]) => indexedBy(inBin(values).select((eb) => eb.fn.countAll<number | string>().as('n')), ctx.dialect, 'orders', 'o', index);
    // On PostgreSQL the count rides along with the page as a scalar subquery (run once, as an InitPlan): one
    // statement and one round trip instead of two, each with its own parse, bind and result on both sides.
    // SQLite has no round trips to save: its page and count stay two statements, each naming its index (INDEXED BY).
    const withCount = ctx.dialect === 'postgres';
    // The whole bin in the caller's scope (no filter but the scope's owner) is counted from the dashboard's summary.
    const fromSummary = withCount && !byNumber && read.every((p) => p.shape === 'scope');
    const countValues = withCount ? (fromSummary ? [...filterValues, ...filterValues] : filterValues) : [];
    const counting = (values: readonly unknown[]) => {
      const live = count(values.slice(0, filterValues.length));
      return fromSummary ? binCountFromSummary(values[filterValues.length], live) : sql<number | string>`(${live})`;
    };
    // A name's customers (their ids on PostgreSQL, the trigram match on SQLite): page and count would each read every
    // bin entry of those customers from the customer index and sort or count them (517 entries of 10,000 for `Ltd`,
    // ~0.8 ms a read on PostgreSQL); read once into a materialized CTE, they are sorted and counted from there.
    const fromMatches = !byNumber && (ctx.dialect === 'postgres' ? matched !== undefined : byName);
    const page = runCompiled(
      db,
      `bin.page|${shape}|${cursor ? 'cursor' : 'first'}|${query.limit}|${fromMatches ? 'matches' : withCount ? 'counted' : 'alone'}`,
      [...filterValues, ...(cursor ?? []), ...(fromMatches ? [] : countValues)],
      (values) => {
        const after = cursor ? values.slice(filterValues.length, filterValues.length + 2) : undefined;
        const limit = literalLimit(query.limit + 1);
        if (fromMatches) {
          const rows = db
            .with(
              (cte) => cte('matched').materialized(),
              () => inBin(values.slice(0, filterValues.length)).select(['o.id', 'o.deleted_at']),
            )
            .selectFrom((eb) => {
              let ids = eb.selectFrom('matched').select(['matched.id', 'matched.deleted_at as sort_key']);
              if (after) ids = ids.where((w) => w(w.refTuple('matched.deleted_at', 'matched.id'), '<', w.tuple(after[0] as string, after[1] as number)));
              return ids.orderBy('matched.deleted_at', 'desc').orderBy('matched.id', 'desc').limit(limit).as('page');
            })
            .innerJoin('orders as d', 'd.id', 'page.id')
            .select([...BIN_COLUMNS, nameToken()])
            .select((eb) => eb.selectFrom('matched').select((c) => c.fn.countAll<number | string>().as('n')).as('bin_total'))
            .orderBy('page.sort_key', 'desc')
            .orderBy('page.id', 'desc');
          return indexedBy(rows, ctx.dialect, 'orders', 'o', index);
        }
        let ids = inBin(values.slice(0, filterValues.length));
        if (after) ids = ids.where((eb) => eb(eb.refTuple('o.deleted_at', 'o.id'), '<', eb.tuple(after[0] as string, after[1] as number)));
        const sorted = ids.select(['o.id', 'o.deleted_at as sort_key']).orderBy('o.deleted_at', 'desc').orderBy('o.id', 'desc').limit(limit);
        // Ordered by the page's own columns, as the order list's page is (orders.queries.ts): no second sort.
        const rows = db
          .selectFrom(sql<{ id: number; sort_key: string }>`(${sorted})`.as('page'))
          .innerJoin('orders as d', 'd.id', 'page.id')
          .select([...BIN_COLUMNS, nameToken()])
          .select(withCount ? counting(values.slice(values.length - countValues.length)).as('bin_total') : sql<null>`null`.as('bin_total'))
          .orderBy('page.sort_key', 'desc')
          .orderBy('page.id', 'desc');
        return indexedBy(rows, ctx.dialect, 'orders', 'o', index);
      },
      prepared,
    );
    const counted = async (rows: Array<{ bin_total: number | string | null }>) =>
      rows.length > 0 && rows[0].bin_total !== null ? rows[0].bin_total : (await runCompiled(db, `bin.count|${shape}`, filterValues, count, prepared))[0].n;
    // A page without rows carries no count (past the last page, or an empty bin): the count is read on its own.
    return page.then(async (rows) => [rows, await counted(rows)] as const);
  };
  const [rows, counted] = await withMatchedCustomers(db, parts, readBin, ([page]) => page[0]);
  const page = rows.slice(0, query.limit);
  const names = await pageNames(db, rows[0]?.name_token, page.map((r) => r.customer_id), page.flatMap((r) => [r.deleted_by, r.held_by]));
  const items: RecycleBinItem[] = page.map((r) => {
    const deleter = names.user(r.deleted_by);
    return {
      id: String(r.id),
      number: r.number,
      status: r.status as OrderStatus,
      total: fromMinor(r.total),
      customer: { id: String(r.customer_id), name: names.customer(r.customer_id) },
      ownerId: String(r.owner_id),
      deletedAt: r.deleted_at!,
      deletedBy: r.deleted_by == null ? null : { id: String(r.deleted_by), name: deleter ? (deleter.displayName ?? deleter.username) : `user ${r.deleted_by}` },
      reason: { code: r.delete_reason as DeleteReasonCode, note: r.delete_note },
      batchId: r.delete_batch_id!,
      purgeAfter: r.purge_after!,
      legalHold: legalHoldOf(r, names.user(r.held_by)),
    };
  });
  const last = page[page.length - 1];
  return { items, nextCursor: rows.length > query.limit && last ? encodeKeysetCursor(last.deleted_at!, last.id) : null, total: Number(counted) };
}

/** Deleted orders in the caller's read scope, by ids (404 naming any that is not in the bin) or by batch. */
async function loadDeleted(trx: Transaction<DB>, dialect: Dialect, actor: Actor, target: { ids?: string[]; batchId?: string }): Promise<OrderRow[]> {
  const ownerId = ownerFilter(actor, 'orders.read');
  const rows: OrderRow[] = [];
  const base = () => {
    // Row locks on PostgreSQL, so a concurrent restore, purge or purge job waits; SQLite has one writer anyway.
    let q = lockRows(trx.selectFrom('orders').selectAll(), dialect);
    if (ownerId !== undefined) q = q.where('owner_id', '=', ownerId);
    return q;
  };
  if (target.batchId !== undefined) {
    rows.push(...(await base().where('deleted_at', 'is not', null).where('delete_batch_id', '=', target.batchId).orderBy('id').execute()));
    if (rows.length === 0) throw new AppError('not_found', `No orders of batch ${target.batchId} are in the recycle bin`);
    return rows;
  }
  const ids = (target.ids ?? []).map(Number);
  rows.push(...(await base().where(inIdSet(dialect, 'id', ids)).where(isSetForIds('deleted_at')).orderBy('id').execute()));
  const found = new Set(rows.map((r) => r.id));
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length > 0) {
    throw new AppError('not_found', `Not in the recycle bin: order${missing.length > 1 ? 's' : ''} ${missing.slice(0, 20).join(', ')}`, { missing: missing.map(String) });
  }
  return rows.sort((a, b) => a.id - b.id);
}

/**
 * `orders.restore`, or the user who deleted undoing their own deletion within UNDO_WINDOW_MS of it —
 * the "Undo" of the success message, which must work for a sales rep too.
 */
function authorizeRestore(actor: Actor, rows: OrderRow[], now: number): void {
  if (scopeOf(actor, 'orders.restore')) return;
  const ownUndo = actor.userId != null && rows.every((r) => r.deleted_by === actor.userId && now - Date.parse(r.deleted_at!) <= UNDO_WINDOW_MS);
  if (!ownUndo) {
    throw new AppError('forbidden', `Missing permission orders.restore (without it you may only undo your own deletion within ${UNDO_WINDOW_MS / 1000} seconds; ask for a restore instead)`, {
      permission: 'orders.restore',
    });
  }
}

/**
 * Brings deleted orders back exactly as they were (status, lines, owner, number; version bumped), re-reserving
 * the stock and re-posting the receivable of confirmed orders: all of them or none (409 listing short products).
 */
export async function restoreRows(trx: Transaction<DB>, dialect: Dialect, actor: Actor, rows: OrderRow[], context: { restoreRequestId?: string } = {}): Promise<OrderRef[]> {
  const now = nowIso();
  const expected = new Map(rows.map((r) => [r.id, r.version + 1]));
  let restored = 0;
  const changed = await trx
    .updateTable('orders')
    .set((eb) => ({ deleted_at: null, deleted_by: null, delete_reason: null, delete_note: null, delete_batch_id: null, purge_after: null, version: eb('version', '+', 1), updated_at: now }))
    .where(inIdSet(dialect, 'id', rows.map((r) => r.id)))
    .where(isSetForIds('deleted_at'))
    .returning(['id', 'version'])
    .execute();
  for (const c of changed) if (expected.get(c.id) === c.version) restored++;
  if (restored !== rows.length) throw new AppError('conflict', 'Some of these orders were restored or purged by someone else meanwhile; reload the recycle bin', { code: 'concurrent_change' });

  const confirmed = rows.filter((r) => r.status === 'confirmed');
  await reserveStock(trx, dialect, confirmed.map((r) => r.id), actor.userId, 'order restored');
  await postReceivables(trx, confirmed, actor.userId, 'order restored');

  const isConfirmed = (r: OrderRow) => r.status === 'confirmed';
  await recordAudit(
    trx,
    dialect,
    actor,
    rows.map((r) => ({
      action: 'order.restore',
      entityType: 'order',
      entityId: r.id,
      entityLabel: r.number,
      diff: { status: r.status, total: fromMinor(r.total), batchId: r.delete_batch_id, deletedAt: r.deleted_at, restoreRequestId: context.restoreRequestId ?? null },
    })),
  );
  await publish(
    trx,
    rows.map((r) => ({
      topic: 'order.restored',
      payload: {
        orderId: String(r.id),
        number: r.number,
        status: r.status,
        ownerId: String(r.owner_id),
        batchId: r.delete_batch_id,
        restoredBy: actor.userId == null ? null : String(actor.userId),
        restoreRequestId: context.restoreRequestId ?? null,
        departments: isConfirmed(r) ? ['sales', 'warehouse', 'finance'] : ['sales'],
        reposted: isConfirmed(r) ? fromMinor(r.total) : '0.00',
      },
    })),
  );
  return rows.map((r) => ({ id: String(r.id), number: r.number }));
}

/** POST /api/recycle-bin/restore `{ids}` or `{batchId}`. `now` is injectable so the undo window can be tested. */
export async function restoreOrders(ctx: Ctx, actor: Actor, input: RestoreInput, claim?: IdempotencyClaim, now: () => number = Date.now): Promise<RestoreResult> {
  return ctx.kysely.transaction().execute(async (trx) => {
    await claimIdempotencyKey(trx, claim);
    const rows = await loadDeleted(trx, ctx.dialect, actor, input);
    authorizeRestore(actor, rows, now());
    const result = { restored: await restoreRows(trx, ctx.dialect, actor, rows) };
    await storeIdempotentResponse(trx, claim, 200, result);
    return result;
  });
}

/** 409 naming legal_hold: a held order is never purged, by hand, by a purge request or by the retention job. */
export function assertNotHeld(rows: OrderRow[]): void {
  const held = rows.filter((r) => r.held_at != null);
  if (held.length === 0) return;
  throw new AppError('conflict', `Nothing was purged: ${held.length} of ${rows.length} orders are under legal hold (${held.map((r) => r.number).slice(0, 10).join(', ')})`, {
    code: 'deletion_blocked',
    blocked: held.map((r) => ({
      id: String(r.id),
      number: r.number,
      status: r.status,
      blockers: [{ code: 'legal_hold', action: 'release_hold', message: `${r.number} is under legal hold: it can be purged only after the hold is released` }],
    })),
  });
}

/** A fingerprint of everything purged (order and lines), so the audit log can prove what existed without keeping it. */
function contentHash(order: OrderRow, items: unknown[]): string {
  return createHash('sha256').update(JSON.stringify({ order, items })).digest('hex');
}

/**
 * Hard-deletes deleted orders and their lines. Stock and ledger journal rows stay (append-only) and keep the
 * order id. The audit entry keeps number, totals, actor, reason and a content hash — no personal data.
 */
export async function purgeRows(trx: Transaction<DB>, dialect: Dialect, actor: Actor, rows: OrderRow[], why: string): Promise<OrderRef[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  assertNotHeld(rows);
  await assertSettled(trx, ids);
  const itemsOf = new Map<number, unknown[]>();
  for (const chunk of idChunks(ids)) {
    const items = await trx.selectFrom('order_items').selectAll().where('order_id', 'in', chunk).orderBy('order_id').orderBy('line_no').execute();
    for (const item of items) itemsOf.set(item.order_id, [...(itemsOf.get(item.order_id) ?? []), item]);
  }
  let purged = 0;
  for (const chunk of idChunks(ids)) {
    await trx.deleteFrom('order_items').where('order_id', 'in', chunk).execute();
    const result = await trx.deleteFrom('orders').where('id', 'in', chunk).where(isSetForIds('deleted_at')).executeTakeFirst();
    purged += Number(result.numDeletedRows);
  }
  if (purged !== rows.length) throw new AppError('conflict', 'Some of these orders were restored or purged by someone else meanwhile; reload the recycle bin', { code: 'concurrent_change' });
  await recordAudit(
    trx,
    dialect,
    actor,
    rows.map((r) => ({
      action: 'order.purge',
      entityType: 'order',
      entityId: r.id,
      entityLabel: r.number,
      diff: {
        number: r.number,
        status: r.status,
        total: fromMinor(r.total),
        paid: fromMinor(r.paid),
        lines: (itemsOf.get(r.id) ?? []).length,
        deletedAt: r.deleted_at,
        deletedBy: r.deleted_by == null ? null : String(r.deleted_by),
        batchId: r.delete_batch_id,
        deleteReason: { code: r.delete_reason, note: r.delete_note },
        contentHash: contentHash(r, itemsOf.get(r.id) ?? []),
      },
      reason: why,
    })),
  );
  await publish(
    trx,
    rows.map((r) => ({
      topic: 'order.purged',
      payload: { orderId: String(r.id), number: r.number, ownerId: String(r.owner_id), batchId: r.delete_batch_id, departments: ['sales'], reason: why },
    })),
  );
  return rows.map((r) => ({ id: String(r.id), number: r.number }));
}

/**
 * POST /api/recycle-bin/purge: admin only, `confirm: "PURGE"` checked by the schema, with a password confirmed in
 * the last 5 minutes. With `purgeNeedsSecondAdmin` it only files a purge request (202) that another admin
 * approves (purge-requests.service.ts). Purge is the one thing that cannot be undone, so it never runs without a
 * verified backup holding these orders (taken first, outside the transaction: a backup reads the whole database).
 */
export async function purgeOrders(ctx: Ctx, config: Config, actor: Actor, input: PurgeInput, claim?: IdempotencyClaim): Promise<PurgeResult | PurgeRequested> {
  requirePermission(actor, 'orders.purge');
  await assertSteppedUp(ctx.kysely, actor);
  if (await getSetting(ctx.kysely, 'purgeNeedsSecondAdmin')) return requestPurge(ctx, actor, input, claim);
  await ensureVerifiedBackup(ctx, config, actor);
  return ctx.kysely.transaction().execute(async (trx) => {
    await claimIdempotencyKey(trx, claim);
    const rows = await loadDeleted(trx, ctx.dialect, actor, { ids: input.ids });
    const result = { purged: await purgeRows(trx, ctx.dialect, actor, rows, 'purged from the recycle bin') };
    await storeIdempotentResponse(trx, claim, 200, result);
    return result;
  });
}

/** The four-eyes half of a purge: checks what the purge would check now, and files the request for a second admin. */
async function requestPurge(ctx: Ctx, actor: Actor, input: PurgeInput, claim?: IdempotencyClaim): Promise<PurgeRequested> {
  if (actor.userId == null) throw new AppError('forbidden', 'Purge requests are made by users');
  return ctx.kysely.transaction().execute(async (trx) => {
    await claimIdempotencyKey(trx, claim);
    const rows = await loadDeleted(trx, ctx.dialect, actor, { ids: input.ids });
    assertNotHeld(rows);
    const { id } = await trx.insertInto('purge_requests').values({ requester_id: actor.userId!, status: 'pending', created_at: nowIso() }).returning('id').executeTakeFirstOrThrow();
    for (const chunk of idChunks(rows, 500)) {
      await trx.insertInto('purge_request_orders').values(chunk.map((r) => ({ request_id: id, order_id: r.id, number: r.number }))).execute();
    }
    await recordAudit(trx, ctx.dialect, actor, {
      action: 'purge_request.create',
      entityType: 'purge_request',
      entityId: id,
      entityLabel: `Purge ${rows.length} order${rows.length > 1 ? 's' : ''}`,
      diff: { orders: rows.map((r) => r.number) },
    });
    await publish(trx, [{ topic: 'purge_request.created', payload: { requestId: String(id), requestedBy: String(actor.userId), orderIds: rows.map((r) => String(r.id)), numbers: rows.map((r) => r.number) } }]);
    const result = { purgeRequestId: String(id) };
    await storeIdempotentResponse(trx, claim, 202, result);
    return result;
  });
}

/** Locked deleted rows by id for a purge request's approval; 409 naming those gone from the bin since. */
export async function deletedRowsForPurge(trx: Transaction<DB>, dialect: Dialect, items: Array<{ order_id: number; number: string }>): Promise<OrderRow[]> {
  const rows: OrderRow[] = [];
  for (const chunk of idChunks(items.map((i) => i.order_id))) {
    rows.push(...(await lockRows(trx.selectFrom('orders').selectAll().where('id', 'in', chunk).where(isSetForIds('deleted_at')), dialect).orderBy('id').execute()));
  }
  if (rows.length !== items.length) {
    const present = new Set(rows.map((r) => r.id));
    const gone = items.filter((i) => !present.has(i.order_id)).map((i) => i.number);
    throw new AppError('conflict', `No longer in the recycle bin (restored or purged since the request): ${gone.join(', ')}; reject this request instead`, { code: 'not_in_recycle_bin', orders: gone });
  }
  return rows.sort((a, b) => a.id - b.id);
}

/** Orders whose retention has passed, oldest first; on PostgreSQL rows another instance holds are skipped. */
export async function expiredOrders(trx: Transaction<DB>, dialect: Dialect, nowIsoText: string, limit: number): Promise<OrderRow[]> {
  // Held orders are skipped, not failed: their countdown stands still until the hold is released.
  const q = trx.selectFrom('orders').selectAll().where('deleted_at', 'is not', null).where('purge_after', '<=', nowIsoText).where('held_at', 'is', null).orderBy('purge_after').orderBy('id').limit(limit);
  return claimRows(q, dialect).execute();
}

