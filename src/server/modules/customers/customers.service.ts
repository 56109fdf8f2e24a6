import type { Kysely, Selectable } from 'kysely';
import type { CreateCustomerInput, CustomerView } from '../../../contracts/customers.js';
import type { Ctx } from '../../db/context.js';
import type { DB } from '../../db/schema.js';
import { customerNameMatches, searchKey } from '../../db/search.js';
import { scopeOf, type Actor } from '../../platform/actor.js';
import { recordAudit } from '../../platform/audit.js';
import { nowIso } from '../../platform/clock.js';
import { notFound } from '../../platform/errors.js';

type Row = DB['customers'];
type CustomerRow = Selectable<Row>;
const view = (c: Pick<Row, 'name' | 'phone' | 'email' | 'note' | 'created_at'> & { id: number }): CustomerView => ({
  id: String(c.id),
  name: c.name,
  phone: c.phone,
  email: c.email,
  note: c.note,
  createdAt: c.created_at,
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
      entityLabel: row.name,
      diff: { name: input.name, phone: input.phone ?? null, email: input.email ?? null },
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

export async function searchCustomers(ctx: Ctx, actor: Actor, q: string | undefined, limit: number): Promise<CustomerView[]> {
  let query = ctx.kysely.selectFrom('customers').selectAll().orderBy('name').limit(limit);
  if (q) query = query.where(customerNameMatches(ctx.kysely, 'id', q));
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
