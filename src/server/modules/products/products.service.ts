import type { CreateProductInput, ProductView } from '../../../contracts/products.js';
import { CreateProductInput as CreateProductSchema, fromMinor, toMinor } from '../../../contracts/index.js';
import type { Ctx } from '../../db/context.js';
import type { DB } from '../../db/schema.js';
import { orConflict } from '../../db/unique-violation.js';
import type { Actor } from '../../platform/actor.js';
import { recordAudit } from '../../platform/audit.js';
import { nowIso } from '../../platform/clock.js';
import { AppError, notFound } from '../../platform/errors.js';
import { keyContains, searchKey } from '../../db/search.js';
import { recordOpeningStock } from '../journals/journals.service.js';

type Row = Pick<DB['products'], 'sku' | 'name' | 'price' | 'on_hand' | 'reserved' | 'created_at'> & { id: number };
const view = (p: Row): ProductView => ({
  id: String(p.id),
  sku: p.sku,
  name: p.name,
  price: fromMinor(p.price),
  stock: { onHand: p.on_hand, reserved: p.reserved, available: p.on_hand - p.reserved },
  createdAt: p.created_at,
});

export async function createProduct(ctx: Ctx, actor: Actor, raw: CreateProductInput): Promise<ProductView> {
  const input = CreateProductSchema.parse(raw);
  const skuTaken = () => new AppError('conflict', `SKU ${input.sku} exists already`, { errors: [{ field: 'sku', message: 'exists already' }] });
  return orConflict(ctx.kysely.transaction().execute(async (trx) => {
    const taken = await trx.selectFrom('products').select('id').where('sku', '=', input.sku).executeTakeFirst();
    if (taken) throw skuTaken();
    const now = nowIso();
    const row = await trx
      .insertInto('products')
      .values({ sku: input.sku, name: input.name, name_key: searchKey(`${input.sku} ${input.name}`), price: toMinor(input.price), on_hand: input.stock, reserved: 0, created_at: now, updated_at: now, version: 1 })
      .returningAll()
      .executeTakeFirstOrThrow();
    // Opening stock is a journal entry like any other, so the balance always equals the journal.
    await recordOpeningStock(trx, row.id, input.stock, actor.userId);
    await recordAudit(trx, ctx.dialect, actor, {
      action: 'product.create',
      entityType: 'product',
      entityId: row.id,
      entityLabel: row.sku,
      diff: { sku: input.sku, name: input.name, price: input.price, stock: input.stock },
    });
    return view(row);
  }), skuTaken);
}

export async function getProduct(ctx: Ctx, id: number): Promise<ProductView> {
  const row = await ctx.kysely.selectFrom('products').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Product');
  return view(row);
}

export async function searchProducts(ctx: Ctx, q: string | undefined, limit: number): Promise<ProductView[]> {
  let query = ctx.kysely.selectFrom('products').selectAll().orderBy('sku').limit(limit);
  if (q) query = query.where(keyContains('name_key', q));
  return (await query.execute()).map(view);
}
