import type { Kysely, Selectable, Transaction } from 'kysely';
import { fromMinor } from '../../../contracts/common.js';
import type { CreateCustomerInput, CustomerOrdersQuery, CustomerStatement, CustomerView, MergeResult, UpdateCustomerInput } from '../../../contracts/customers.js';
import type { OrderList } from '../../../contracts/orders.js';
import { lockRows } from '../../db/claim.js';
import type { Ctx } from '../../db/context.js';
import type { DB } from '../../db/schema.js';
import { customerNameMatches, searchKey } from '../../db/search.js';
import { ownerFilter, requirePermission, scopeOf, type Actor } from '../../platform/actor.js';
import { diffFields, recordAudit } from '../../platform/audit.js';
import { nowIso } from '../../platform/clock.js';
import { personal } from '../../platform/personal-data.js';
import { AppError, invalid, notFound } from '../../platform/errors.js';
import { signatureOf } from '../orders/order-signature.js';
import { listOrders } from '../orders/orders.queries.js';

type Row = DB['customers'];
type CustomerRow = Selectable<Row>;
const view = (c: CustomerRow): CustomerView => ({
  id: String(c.id),
  name: c.name,
  phone: c.phone,
  email: c.email,
  note: c.note,
  createdAt: c.created_at,
  updatedAt: c.updated_at,
  version: c.version,
  active: c.active === 1,
  mergedIntoId: c.merged_into_id == null ? null : String(c.merged_into_id),
  ...(c.erased_at ? { erasedAt: c.erased_at } : {}),
});

export async function createCustomer(ctx: Ctx, actor: Actor, input: CreateCustomerInput): Promise<CustomerView> {
  return ctx.kysely.transaction().execute(async (trx) => {
    const now = nowIso();
    const row = await trx
      .insertInto('customers')
      .values({ name: input.name, name_key: searchKey(input.name), phone: input.phone ?? null, email: input.email ?? null, note: input.note ?? null, created_at: now, updated_at: now, version: 1 })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, ctx.dialect, actor, {
      action: 'customer.create',
      entityType: 'customer',
      entityId: row.id,
      entityLabel: personal(row.id, row.name),
      diff: { name: personal(row.id, input.name), phone: personal(row.id, input.phone), email: personal(row.id, input.email) },
    });
    return view(row);
  });
}

/** Every customer id whose name contains the text, in id order (for checks of the search index itself). */
export async function customerIdsMatching(db: Kysely<DB>, text: string): Promise<number[]> {
  const rows = await db.selectFrom('customers').select('id').where(customerNameMatches(db, 'id', text)).orderBy('id').execute();
  return rows.map((r) => r.id);
}

/** A directory entry: the name a rep needs to pick the customer for an order, and nothing to contact them by. */
const nameOnly = (c: CustomerRow): CustomerView => ({ ...view({ ...c, phone: null, email: null, note: null }), contactHidden: true });

/**
 * Data minimisation (SPEC §5): contact details for callers with `customers.read`; for anyone else only for the
 * customers of their own live orders, and the name alone for the rest. Decided per row, from the rows at hand.
 */
async function visibleTo(db: Kysely<DB>, actor: Actor, rows: CustomerRow[]): Promise<CustomerView[]> {
  if (scopeOf(actor, 'customers.read') || rows.length === 0) return rows.map(view);
  const own =
    actor.userId == null
      ? []
      : await db
          .selectFrom('orders')
          .select('customer_id')
          .distinct()
          .where('owner_id', '=', actor.userId)
          .where('deleted_at', 'is', null)
          .where('customer_id', 'in', rows.map((r) => r.id))
          .execute();
  const mine = new Set(own.map((o) => o.customer_id));
  return rows.map((r) => (mine.has(r.id) ? view(r) : nameOnly(r)));
}

export async function searchCustomers(ctx: Ctx, actor: Actor, q: string | undefined, limit: number, includeInactive = false): Promise<CustomerView[]> {
  let query = ctx.kysely.selectFrom('customers').selectAll().orderBy('name').orderBy('id').limit(limit);
  if (q) query = query.where(customerNameMatches(ctx.kysely, 'id', q));
  if (!includeInactive) query = query.where('active', '=', 1);
  return visibleTo(ctx.kysely, actor, await query.execute());
}

/**
 * One customer. Every signed-in user may look up any customer by id — the name is in the directory anyway, and
 * an order names its customer — but without `customers.read` the contact details only of their own customers.
 */
export async function getCustomer(ctx: Ctx, actor: Actor, id: number): Promise<CustomerView> {
  const row = await ctx.kysely.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Customer');
  const [visible] = await visibleTo(ctx.kysely, actor, [row]);
  return visible;
}

/** Whether the caller sells to this customer: one of their live orders is for it. */
async function sellsTo(db: Kysely<DB> | Transaction<DB>, actor: Actor, customerId: number): Promise<boolean> {
  if (actor.userId == null) return false;
  const row = await db.selectFrom('orders').select('id').where('owner_id', '=', actor.userId).where('customer_id', '=', customerId).where('deleted_at', 'is', null).limit(1).executeTakeFirst();
  return row !== undefined;
}

function assertVersion(row: CustomerRow, expected: number | undefined): void {
  if (expected !== undefined && row.version !== expected) {
    throw new AppError('precondition_failed', `Customer ${row.name} has changed (version ${row.version}, you had ${expected}); reload it and try again`, { currentVersion: row.version });
  }
}

const contactOf = (c: Pick<CustomerRow, 'name' | 'phone' | 'email' | 'note' | 'active'>) => ({ name: c.name, phone: c.phone, email: c.email, note: c.note, active: c.active === 1 });

/** A contact diff for the audit log: every text before and after is the customer's personal data, sealed. */
const sealContact = (id: number, diff: Record<string, { from: unknown; to: unknown }>) =>
  Object.fromEntries(
    Object.entries(diff).map(([field, { from, to }]) => [field, { from: typeof from === 'string' ? personal(id, from) : from, to: typeof to === 'string' ? personal(id, to) : to }]),
  );

/**
 * Edits or (de)activates a customer. Whoever may update every order may edit any customer; someone limited to
 * their own orders (a sales rep) only the customers they sell to, the same ones whose details they may see.
 */
export async function updateCustomer(ctx: Ctx, actor: Actor, id: number, input: UpdateCustomerInput, ifMatch: number | undefined): Promise<CustomerView> {
  return ctx.kysely.transaction().execute(async (trx) => {
    const row = await lockRows(trx.selectFrom('customers').selectAll().where('id', '=', id), ctx.dialect).executeTakeFirst();
    if (!row) throw notFound('Customer');
    if (requirePermission(actor, 'orders.update') === 'own' && !(await sellsTo(trx, actor, id))) {
      throw new AppError('forbidden', 'You may edit only the customers of your own orders', { permission: 'orders.update' });
    }
    assertVersion(row, ifMatch);
    if (row.merged_into_id != null) throw new AppError('conflict', `Customer ${row.name} was merged into another customer`, { code: 'customer_merged' });
    if (row.erased_at != null) throw new AppError('conflict', `${row.name}: the customer's personal data was erased`, { code: 'customer_erased' });
    const set: Partial<CustomerRow> = {};
    if (input.name !== undefined) Object.assign(set, { name: input.name, name_key: searchKey(input.name) });
    if (input.phone !== undefined) set.phone = input.phone;
    if (input.email !== undefined) set.email = input.email;
    if (input.note !== undefined) set.note = input.note || null;
    if (input.active !== undefined) set.active = input.active ? 1 : 0;
    const updated = await trx
      .updateTable('customers')
      .set({ ...set, version: row.version + 1, updated_at: nowIso() })
      .where('id', '=', id)
      .where('version', '=', row.version)
      .returningAll()
      .executeTakeFirst();
    if (!updated) throw new AppError('precondition_failed', `Customer ${row.name} was changed by someone else; reload it and try again`);
    const action = input.active === false && row.active ? 'customer.deactivate' : input.active === true && !row.active ? 'customer.reactivate' : 'customer.update';
    await recordAudit(trx, ctx.dialect, actor, { action, entityType: 'customer', entityId: id, entityLabel: personal(id, updated.name), diff: sealContact(id, diffFields(contactOf(row), contactOf(updated))) });
    return view(updated);
  });
}

/**
 * Merges a duplicate into the customer it duplicates: every order of the duplicate (live or in the recycle bin)
 * and its finance entries now name the surviving customer, so balances add up there; amounts and totals do not
 * change. The duplicate stays as an inactive row pointing at the survivor, so old links and the audit log still
 * resolve. Moving other people's orders needs `orders.update` for every order.
 */
export async function mergeCustomer(ctx: Ctx, actor: Actor, id: number, intoId: number): Promise<MergeResult> {
  if (requirePermission(actor, 'orders.update') !== 'all') {
    throw new AppError('forbidden', 'Merging customers moves everyone’s orders: it needs orders.update for all orders', { permission: 'orders.update' });
  }
  if (id === intoId) throw invalid('intoId', 'must be another customer');
  return ctx.kysely.transaction().execute(async (trx) => {
    // Both rows locked in id order, so two merges of the same pair cannot deadlock.
    const rows = await lockRows(trx.selectFrom('customers').selectAll().where('id', 'in', [id, intoId]).orderBy('id'), ctx.dialect).execute();
    const from = rows.find((r) => r.id === id);
    const into = rows.find((r) => r.id === intoId);
    if (!from) throw notFound('Customer');
    if (!into) throw invalid('intoId', 'no such customer');
    for (const c of [from, into]) {
      if (c.merged_into_id != null) throw new AppError('conflict', `Customer ${c.name} was already merged into another customer`, { code: 'customer_merged' });
      if (c.erased_at != null) throw new AppError('conflict', `${c.name}: the customer's personal data was erased`, { code: 'customer_erased' });
    }
    if (!into.active) throw invalid('intoId', 'the customer is deactivated');
    const orders = await lockRows(trx.selectFrom('orders').select(['id', 'number', 'version']).where('customer_id', '=', id).orderBy('id'), ctx.dialect).execute();
    const now = nowIso();
    if (orders.length > 0) {
      const lines = await trx.selectFrom('order_items').select(['order_id', 'product_id', 'quantity', 'unit_price']).where('order_id', 'in', orders.map((o) => o.id)).execute();
      for (const o of orders) {
        await trx
          .updateTable('orders')
          .set({ customer_id: intoId, signature: signatureOf(intoId, lines.filter((l) => l.order_id === o.id)), version: o.version + 1, updated_at: now })
          .where('id', '=', o.id)
          .execute();
      }
      // The ledger names the customer of each entry's order (the invariant checker holds them equal); the
      // entries themselves, and so every amount, stay as they are.
      await trx.updateTable('ledger_entries').set({ customer_id: intoId }).where('customer_id', '=', id).execute();
    }
    const merged = await trx
      .updateTable('customers')
      .set({ active: 0, merged_into_id: intoId, version: from.version + 1, updated_at: now })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const survivor = await trx.updateTable('customers').set({ version: into.version + 1, updated_at: now }).where('id', '=', intoId).returningAll().executeTakeFirstOrThrow();
    await recordAudit(trx, ctx.dialect, actor, [
      { action: 'customer.merge', entityType: 'customer', entityId: id, entityLabel: personal(id, merged.name), diff: { into: { id: String(intoId), name: personal(intoId, into.name) }, orders: orders.map((o) => o.number) } },
      { action: 'customer.merge_into', entityType: 'customer', entityId: intoId, entityLabel: personal(intoId, into.name), diff: { from: { id: String(id), name: personal(id, from.name) }, orders: orders.map((o) => o.number) } },
      // Each order's own history tells where it went.
      ...orders.map((o) => ({
        action: 'order.customer_merged',
        entityType: 'order',
        entityId: o.id,
        entityLabel: o.number,
        diff: { customerId: { from: String(id), to: String(intoId) }, customer: { from: personal(id, from.name), to: personal(intoId, into.name) } },
      })),
    ]);
    return { customer: view(survivor), movedOrders: orders.length };
  });
}

async function assertCustomerExists(db: Kysely<DB>, id: number): Promise<CustomerRow> {
  const row = await db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Customer');
  return row;
}

/** The customer's live orders with the order list's filters, in the caller's record scope. */
export async function listCustomerOrders(ctx: Ctx, actor: Actor, id: number, query: CustomerOrdersQuery): Promise<OrderList> {
  const scope = { ownerId: ownerFilter(actor, 'orders.read') };
  await assertCustomerExists(ctx.kysely, id);
  return listOrders(ctx.kysely, { ...query, customerId: String(id) }, scope);
}

/**
 * The customer's statement: each finance entry of their live orders in the order it happened (time, then entry
 * id for entries of the same instant), with the running balance after it. Company money, so finance readers only.
 */
export async function customerStatement(ctx: Ctx, id: number): Promise<CustomerStatement> {
  const customer = await assertCustomerExists(ctx.kysely, id);
  const rows = await ctx.kysely
    .selectFrom('ledger_entries as l')
    .innerJoin('orders as o', 'o.id', 'l.order_id')
    .select(['l.id', 'l.created_at', 'l.order_id', 'o.number', 'l.kind', 'l.amount'])
    .where('l.customer_id', '=', id)
    .where('o.deleted_at', 'is', null)
    .orderBy('l.created_at')
    .orderBy('l.id')
    .execute();
  let balance = 0;
  let invoiced = 0;
  let paid = 0;
  const entries = rows.map((r) => {
    balance += r.amount;
    if (r.kind === 'receivable' || r.kind === 'reversal') invoiced += r.amount;
    else paid -= r.amount;
    return { id: String(r.id), at: r.created_at, orderId: String(r.order_id), orderNumber: r.number, kind: r.kind as CustomerStatement['entries'][number]['kind'], amount: fromMinor(r.amount), balance: fromMinor(balance) };
  });
  return { customer: { id: String(customer.id), name: customer.name }, invoiced: fromMinor(invoiced), paid: fromMinor(paid), balance: fromMinor(balance), entries };
}
