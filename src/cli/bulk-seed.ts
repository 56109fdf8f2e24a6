import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { OrderStatus } from '../contracts/orders.js';
import type { Database } from '../server/config.js';
import type { Ctx } from '../server/db/context.js';
import { searchKey } from '../server/modules/customers/customers.service.js';
import { createUser } from '../server/modules/users/users.service.js';
import { systemActor } from '../server/platform/actor.js';
import { openBulkWriter, type BulkRow, type BulkRows, type BulkWriter } from './bulk-writers.js';
import { sampleCustomer, sampleProduct } from './sample-names.js';
import { createRandom, type Random } from './seeded-random.js';

/**
 * The bulk seed: up to millions of orders for benchmarks and load tests, written in large batches straight
 * into the tables instead of through the per-order services. The data is still consistent — unique numbers
 * with the `order_number:YYYY` sequences advanced past them, totals equal to the sum of the lines, and every
 * confirmed, shipped or completed order's reservation, shipment, receivable and payments in the stock and
 * finance journals, with product balances equal to the journal. What it leaves out on purpose: audit
 * entries and outbox events for the seeded rows (the seed is benchmark data, not history), and orders
 * cancelled after confirmation (seeded cancellations are cancelled drafts, which touch no journal).
 */

export interface BulkSeedOptions {
  orders: number;
  /** Default: one per 100 orders, between 100 and 10,000. */
  customers?: number;
  /** Default: one per 1,000 orders, between 30 and 1,000. */
  products?: number;
  /** End of the seeded period: orders spread over the two years before it. Default: now. */
  until?: Date;
  seed?: number;
  /** Orders generated and written per step (memory use grows with it). */
  batchSize?: number;
  log?: (line: string) => void;
}

export interface BulkSeedResult {
  orders: number;
  items: number;
  customers: number;
  products: number;
  stockMovements: number;
  ledgerEntries: number;
  seconds: number;
  rowsPerSecond: number;
}

const DAY = 86_400_000;
const SPAN = 730 * DAY;
const MAX_NUMBER = 999_999;
const OWNER_COUNT = 4;

const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));
const pad = (value: number, width: number) => String(value).padStart(width, '0');

/** toISOString for millions of timestamps: the date part is formatted once per day, the time by hand. */
function isoFormatter(): (t: number) => string {
  const days = new Map<number, string>();
  return (t) => {
    const ms = Math.floor(t);
    const day = Math.floor(ms / DAY);
    let prefix = days.get(day);
    if (prefix === undefined) {
      prefix = new Date(day * DAY).toISOString().slice(0, 11);
      days.set(day, prefix);
    }
    const inDay = ms - day * DAY;
    return `${prefix}${pad(Math.floor(inDay / 3_600_000), 2)}:${pad(Math.floor(inDay / 60_000) % 60, 2)}:${pad(Math.floor(inDay / 1000) % 60, 2)}.${pad(inDay % 1000, 3)}Z`;
  };
}

/** Users who may own orders; tops them up with seed sales reps so orders spread over a few owners. */
async function seedOwners(ctx: Ctx): Promise<number[]> {
  const owners = async () =>
    (
      await ctx.kysely
        .selectFrom('users as u')
        .innerJoin('user_roles as ur', 'ur.user_id', 'u.id')
        .innerJoin('roles as r', 'r.id', 'ur.role_id')
        .select('u.id')
        .distinct()
        .where('r.name', 'in', ['sales_rep', 'sales_manager', 'admin'])
        .where('u.disabled', '=', 0)
        .orderBy('u.id')
        .execute()
    ).map((u) => u.id);
  const found = await owners();
  for (let n = 1; found.length + n - 1 < OWNER_COUNT; n++) {
    const username = `seed-rep-${n}`;
    const exists = await ctx.kysely.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst();
    if (exists) continue;
    // Nobody signs in as a seed owner: the password is random and never shown (an admin can reset it).
    await createUser(ctx, systemActor('bulk seed'), { username, password: randomBytes(18).toString('base64url'), displayName: `Seed rep ${n}`, roles: ['sales_rep'] });
  }
  return owners();
}

async function nextIds(ctx: Ctx) {
  const max = async (table: 'customers' | 'products' | 'orders' | 'order_items' | 'stock_movements' | 'ledger_entries') =>
    Number((await ctx.kysely.selectFrom(table).select((eb) => eb.fn.max<number>('id').as('id')).executeTakeFirst())?.id ?? 0) + 1;
  return {
    customer: await max('customers'),
    product: await max('products'),
    order: await max('orders'),
    item: await max('order_items'),
    movement: await max('stock_movements'),
    ledger: await max('ledger_entries'),
  };
}

async function sequenceValues(ctx: Ctx): Promise<Map<number, number>> {
  const rows = await ctx.kysely.selectFrom('sequences').selectAll().where('name', 'like', 'order_number:%').execute();
  return new Map(rows.map((r) => [Number(r.name.split(':')[1]), Number(r.value)]));
}

interface Product {
  id: number;
  sku: string;
  name: string;
  price: number;
  /** Units not yet reserved or shipped by seeded orders. */
  available: number;
}

/** The signature createOrder stores, so duplicate warnings behave the same on seeded orders. */
function signatureOf(customerId: number, lines: Array<{ productId: number; quantity: number; unitPrice: number }>): string {
  const canonical = lines.map((l) => `${l.productId}x${l.quantity}@${l.unitPrice}`).sort().join(',');
  return createHash('sha256').update(`${customerId}|${canonical}`).digest('hex');
}

function statusFor(random: Random, ageDays: number): OrderStatus {
  if (ageDays > 90) return random.weighted({ completed: 84, cancelled: 8, shipped: 4, confirmed: 2, draft: 2 });
  if (ageDays > 30) return random.weighted({ completed: 45, shipped: 22, confirmed: 15, cancelled: 9, draft: 9 });
  return random.weighted({ draft: 30, confirmed: 30, shipped: 18, completed: 10, cancelled: 12 });
}

export async function bulkSeed(ctx: Ctx, database: Database, options: BulkSeedOptions): Promise<BulkSeedResult> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  const orderCount = options.orders;
  const customerCount = options.customers ?? clamp(Math.round(orderCount / 100), 100, 10_000);
  const productCount = options.products ?? clamp(Math.round(orderCount / 1000), 30, 1_000);
  if (!Number.isInteger(orderCount) || orderCount < 1) throw new Error('--orders must be a whole number above 0');
  if (customerCount < 1 || productCount < 3) throw new Error('need at least 1 customer and 3 products');
  const until = (options.until ?? new Date()).getTime();
  const from = until - SPAN;
  const batchSize = options.batchSize ?? 20_000;
  const random = createRandom(options.seed ?? 1_000_003);

  const owners = await seedOwners(ctx);
  const ids = await nextIds(ctx);
  const sequences = await sequenceValues(ctx);
  // Rebuilding indexes pays off when the load at least doubles the table; a small top-up keeps them.
  const rebuildIndexes = orderCount >= ids.order - 1;
  const writer: BulkWriter = await openBulkWriter(database);
  const counts = { orders: 0, items: 0, customers: customerCount, products: productCount, stockMovements: 0, ledgerEntries: 0 };
  try {
    await writer.begin({ rebuildIndexes });
    const masterAt = new Date(from - DAY).toISOString();
    const customers: BulkRow[] = [];
    for (let i = 0; i < customerCount; i++) {
      const c = sampleCustomer(random, ids.customer + i);
      customers.push([ids.customer + i, c.name, searchKey(c.name), c.phone, c.email, null, masterAt, masterAt, 1]);
    }
    // Opening stock comfortably above what the seeded orders consume, entered as a receipt like any other.
    const opening = Math.ceil((orderCount * 12) / productCount) + 1_000;
    const products: Product[] = [];
    const productRows: BulkRow[] = [];
    const receipts: BulkRow[] = [];
    for (let i = 0; i < productCount; i++) {
      const p = sampleProduct(random, ids.product + i);
      const id = ids.product + i;
      products.push({ id, sku: p.sku, name: p.name, price: p.price, available: opening });
      productRows.push([id, p.sku, p.name, searchKey(`${p.sku} ${p.name}`), p.price, opening, 0, masterAt, masterAt, 1]);
      receipts.push([ids.movement++, id, null, 'receive', opening, 0, null, 'opening stock', null, masterAt]);
    }
    await writer.write({ rows: { customers, products: productRows, stock_movements: receipts } });
    counts.stockMovements += receipts.length;
    log(`  ${customerCount.toLocaleString('en')} customers, ${productCount.toLocaleString('en')} products`);

    const iso = isoFormatter();
    const issued = new Map<number, number>();
    let lastReport = performance.now();
    for (let first = 0; first < orderCount; first += batchSize) {
      const rows: Required<Pick<BulkRows, 'orders' | 'order_items' | 'stock_movements' | 'ledger_entries'>> = { orders: [], order_items: [], stock_movements: [], ledger_entries: [] };
      const stock = new Map<number, [number, number]>();
      for (let n = first; n < Math.min(orderCount, first + batchSize); n++) {
        // One time slot per order, so creation times rise with ids and numbers like real traffic.
        const createdAt = from + (n + random.next()) * (SPAN / orderCount);
        const year = new Date(createdAt).getUTCFullYear();
        const serial = (issued.get(year) ?? sequences.get(year) ?? 0) + 1;
        if (serial > MAX_NUMBER) throw new Error(`More than ${MAX_NUMBER.toLocaleString('en')} orders in ${year}: order numbers have six digits; seed fewer orders`);
        issued.set(year, serial);
        const orderId = ids.order++;
        const ownerId = owners[Math.min(owners.length - 1, Math.floor(random.next() ** 1.5 * owners.length))];
        const customerId = ids.customer + random.int(0, customerCount - 1);
        const lineCount = Number(random.weighted({ '1': 45, '2': 35, '3': 20 }));
        const chosen = random.sample(products.length <= 64 ? products : Array.from({ length: lineCount + 2 }, () => random.pick(products)), lineCount);
        const picked = [...new Map(chosen.map((p) => [p.id, p])).values()];
        const lines = picked.map((p) => {
          const quantity = Number(random.weighted({ '1': 40, '2': 25, '3': 15, '5': 12, '10': 8 }));
          const unitPrice = random.chance(0.1) ? Math.round(p.price * 0.95) : p.price;
          return { product: p, productId: p.id, quantity, unitPrice, lineTotal: unitPrice * quantity };
        });
        const total = lines.reduce((sum, l) => sum + l.lineTotal, 0);
        const ageDays = (until - createdAt) / DAY;
        let status = statusFor(random, ageDays);
        const reserves = status === 'confirmed' || status === 'shipped' || status === 'completed';
        // Like confirm in the app: an order the stock cannot cover stays a draft.
        if (reserves && lines.some((l) => l.product.available < l.quantity)) status = 'draft';
        const gap = until - createdAt;
        const confirmedAt = status === 'confirmed' || status === 'shipped' || status === 'completed' ? createdAt + random.next() * Math.min(2 * DAY, gap * 0.15) : null;
        const shippedAt = status === 'shipped' || status === 'completed' ? confirmedAt! + random.next() * Math.min(5 * DAY, gap * 0.2) : null;
        const completedAt = status === 'completed' ? shippedAt! + random.next() * Math.min(10 * DAY, gap * 0.25) : null;
        const cancelledAt = status === 'cancelled' ? createdAt + random.next() * Math.min(3 * DAY, gap * 0.2) : null;
        const paid = status === 'completed' ? total : status === 'shipped' && random.chance(0.3) ? Math.round(total / 2) : status === 'confirmed' && random.chance(0.15) ? Math.round(total * 0.3) : 0;
        const paidAt = paid > 0 ? (completedAt ?? shippedAt ?? confirmedAt)! + random.next() * Math.min(3 * DAY, gap * 0.1) : null;
        const updatedAt = Math.max(createdAt, confirmedAt ?? 0, shippedAt ?? 0, completedAt ?? 0, cancelledAt ?? 0, paidAt ?? 0);
        const steps = { draft: 0, confirmed: 1, shipped: 2, completed: 3, cancelled: 1 }[status];
        rows.orders.push([
          orderId,
          `SO-${year}-${String(serial).padStart(6, '0')}`,
          customerId,
          ownerId,
          status,
          total,
          paid,
          null,
          signatureOf(customerId, lines),
          1 + steps + (paid > 0 ? 1 : 0),
          iso(createdAt),
          iso(updatedAt),
          confirmedAt && iso(confirmedAt),
          shippedAt && iso(shippedAt),
          completedAt && iso(completedAt),
          cancelledAt && iso(cancelledAt),
        ]);
        lines.forEach((l, i) => rows.order_items.push([ids.item++, orderId, i + 1, l.productId, l.product.sku, l.product.name, l.quantity, l.unitPrice, l.lineTotal]));
        if (confirmedAt !== null) {
          for (const l of lines) {
            const reserveId = ids.movement++;
            rows.stock_movements.push([reserveId, l.productId, orderId, 'reserve', 0, l.quantity, null, null, ownerId, iso(confirmedAt)]);
            const delta = stock.get(l.productId) ?? [0, 0];
            l.product.available -= l.quantity;
            if (shippedAt !== null) {
              rows.stock_movements.push([ids.movement++, l.productId, orderId, 'ship', -l.quantity, -l.quantity, reserveId, null, ownerId, iso(shippedAt)]);
              delta[0] -= l.quantity;
            } else {
              delta[1] += l.quantity;
            }
            stock.set(l.productId, delta);
          }
          rows.ledger_entries.push([ids.ledger++, orderId, customerId, 'receivable', total, null, null, ownerId, iso(confirmedAt)]);
          if (paid > 0) rows.ledger_entries.push([ids.ledger++, orderId, customerId, 'payment', -paid, null, null, ownerId, iso(paidAt!)]);
        }
      }
      await writer.write({
        rows,
        stock: [...stock].map(([id, [onHand, reserved]]) => [id, onHand, reserved]),
        sequences: [...issued].map(([year, value]) => [`order_number:${year}`, value]),
      });
      counts.orders += rows.orders.length;
      counts.items += rows.order_items.length;
      counts.stockMovements += rows.stock_movements.length;
      counts.ledgerEntries += rows.ledger_entries.length;
      if (performance.now() - lastReport > 5_000 || counts.orders === orderCount) {
        lastReport = performance.now();
        const seconds = (lastReport - started) / 1000;
        log(`  ${counts.orders.toLocaleString('en')} orders (${Math.round(counts.orders / seconds).toLocaleString('en')} orders/s)`);
      }
    }
    let phase = performance.now();
    await writer.commit();
    log(`  ${rebuildIndexes ? 'indexes built and ' : ''}committed in ${((performance.now() - phase) / 1000).toFixed(1)} s`);
    phase = performance.now();
    await writer.analyze();
    log(`  planner statistics updated in ${((performance.now() - phase) / 1000).toFixed(1)} s`);
  } catch (error) {
    await writer.rollback().catch(() => undefined);
    throw error;
  } finally {
    await writer.close();
  }
  // Kysely's own connection may hold cached pages or plans from before the load; a trivial query is enough
  // on SQLite (it re-reads the schema cookie) and PostgreSQL re-plans per statement anyway.
  await sql`select 1`.execute(ctx.kysely);
  const seconds = (performance.now() - started) / 1000;
  const rowsWritten = counts.orders + counts.items + counts.customers + counts.products + counts.stockMovements + counts.ledgerEntries;
  return { ...counts, seconds, rowsPerSecond: Math.round(rowsWritten / seconds) };
}
