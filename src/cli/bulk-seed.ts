import { hash, randomBytes } from 'node:crypto';
import type { OrderStatus } from '../contracts/orders.js';
import type { Database } from '../server/config.js';
import type { Ctx } from '../server/db/context.js';
import { pauseDashboardSummary, resumeDashboardSummary } from '../server/db/dashboard-summary.js';
import { searchKey } from '../server/db/search.js';
import { createUser } from '../server/modules/users/users.service.js';
import { systemActor } from '../server/platform/actor.js';
import { openBulkWriter, type BulkBatch, type BulkRow, type BulkRows, type BulkWriter } from './bulk-writers.js';
import { sampleCustomer, sampleProduct } from './sample-names.js';
import { createRandom, type Random } from './seeded-random.js';

/**
 * The bulk seed: up to millions of orders for benchmarks and load tests, written in large batches straight
 * into the tables instead of through the per-order services. The data is still consistent — unique numbers
 * with the `order_number:YYYY` sequences advanced past them, totals equal to the sum of the lines, and every
 * confirmed, shipped or completed order's reservation, shipment, receivable and payments in the stock and
 * finance journals, with product balances equal to the journal. The whole load is one transaction (see
 * bulk-writers.ts). What it leaves out on purpose: audit entries and outbox events for the seeded rows (the
 * seed is benchmark data, not history), and orders cancelled after confirmation (seeded cancellations are
 * cancelled drafts, which touch no journal).
 */

export interface BulkSeedOptions {
  orders: number;
  /** Default: one per 100 orders, between 100 and 10,000. */
  customers?: number;
  /** Default: one per 1,000 orders, between 30 and 1,000. */
  products?: number;
  /** End of the seeded period: orders spread over the two years before it (more above 1.6 M orders). Default: now. */
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
const YEAR = 365 * DAY;
const MAX_NUMBER = 999_999;
/**
 * Orders per year of the seeded period at most. Numbers have six digits per year, so a big seed needs more
 * years than two: 10 M orders span 13. The margin below 999,999 covers a calendar year holding a little more
 * than its share and the orders the app creates after the seed in the current year.
 */
const ORDERS_PER_YEAR = 800_000;
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
  // One-shot hash: a Hash object per order, millions of them, was a measurable share of the garbage collector's work.
  return hash('sha256', `${customerId}|${canonical}`, 'hex');
}

function statusFor(random: Random, ageDays: number): OrderStatus {
  if (ageDays > 90) return random.weighted({ completed: 84, cancelled: 8, shipped: 4, confirmed: 2, draft: 2 });
  if (ageDays > 30) return random.weighted({ completed: 45, shipped: 22, confirmed: 15, cancelled: 9, draft: 9 });
  return random.weighted({ draft: 30, confirmed: 30, shipped: 18, completed: 10, cancelled: 12 });
}

type Ids = Awaited<ReturnType<typeof nextIds>>;

/** Customers and products, each product with an opening-stock receipt comfortably above what the orders use. */
function generateMasterData(random: Random, ids: Ids, counts: { customers: number; products: number; orders: number }, at: string) {
  const customers: BulkRow[] = [];
  for (let i = 0; i < counts.customers; i++) {
    const c = sampleCustomer(random, ids.customer + i);
    customers.push([ids.customer + i, c.name, searchKey(c.name), c.phone, c.email, null, at, at, 1]);
  }
  const opening = Math.ceil((counts.orders * 12) / counts.products) + 1_000;
  const products: Product[] = [];
  const productRows: BulkRow[] = [];
  const receipts: BulkRow[] = [];
  for (let i = 0; i < counts.products; i++) {
    const id = ids.product + i;
    const p = sampleProduct(random, id);
    products.push({ id, sku: p.sku, name: p.name, price: p.price, available: opening });
    productRows.push([id, p.sku, p.name, searchKey(`${p.sku} ${p.name}`), p.price, opening, 0, at, at, 1]);
    receipts.push([ids.movement++, id, null, 'receive', opening, 0, null, 'opening stock', null, at]);
  }
  return { products, batch: { rows: { customers, products: productRows, stock_movements: receipts } } satisfies BulkBatch };
}

/**
 * Generates orders one after another in time, each with its lines and, once confirmed, its journal rows.
 * Keeps the running state (next ids, numbers issued per year, stock left) between batches.
 */
class OrderGenerator {
  private readonly iso = isoFormatter();
  /** Highest number issued per year, starting after what the database had issued. */
  readonly issued: Map<number, number>;
  constructor(
    private readonly random: Random,
    private readonly ids: Ids,
    private readonly owners: number[],
    private readonly customers: { first: number; count: number },
    private readonly products: Product[],
    private readonly period: { from: number; until: number; orders: number },
    issued: Map<number, number>,
  ) {
    this.issued = new Map(issued);
  }

  async batch(first: number, end: number): Promise<BulkBatch & { rows: Required<Pick<BulkRows, 'orders' | 'order_items' | 'stock_movements' | 'ledger_entries'>> }> {
    const rows = { orders: [] as BulkRow[], order_items: [] as BulkRow[], stock_movements: [] as BulkRow[], ledger_entries: [] as BulkRow[] };
    const stock = new Map<number, [number, number]>();
    for (let n = first; n < end; n++) {
      // Let the writer's I/O for the previous batch proceed while this one is generated.
      if (n % 2_000 === 0) await new Promise((resolve) => setImmediate(resolve));
      this.appendOrder(n, rows, stock);
    }
    return {
      rows,
      stock: [...stock].map(([id, [onHand, reserved]]) => [id, onHand, reserved]),
      sequences: [...this.issued].map(([year, value]) => [`order_number:${year}`, value]),
    };
  }

  private nextNumber(createdAt: number): string {
    const year = new Date(createdAt).getUTCFullYear();
    const serial = (this.issued.get(year) ?? 0) + 1;
    if (serial > MAX_NUMBER) throw new Error(`More than ${MAX_NUMBER.toLocaleString('en')} orders in ${year}: order numbers have six digits; seed fewer orders`);
    this.issued.set(year, serial);
    return `SO-${year}-${pad(serial, 6)}`;
  }

  private pickLines() {
    const { random, products } = this;
    const lineCount = Number(random.weighted({ '1': 45, '2': 35, '3': 20 }));
    const candidates = products.length <= 64 ? random.sample(products, lineCount) : Array.from({ length: lineCount }, () => random.pick(products));
    return [...new Set(candidates)].map((product) => {
      const quantity = Number(random.weighted({ '1': 40, '2': 25, '3': 15, '5': 12, '10': 8 }));
      const unitPrice = random.chance(0.1) ? Math.round(product.price * 0.95) : product.price;
      return { product, productId: product.id, quantity, unitPrice, lineTotal: unitPrice * quantity };
    });
  }

  private appendOrder(n: number, rows: Awaited<ReturnType<OrderGenerator['batch']>>['rows'], stock: Map<number, [number, number]>): void {
    const { random, ids, iso, period } = this;
    // One time slot per order, so creation times rise with ids and numbers like real traffic.
    const createdAt = period.from + (n + random.next()) * ((period.until - period.from) / period.orders);
    const number = this.nextNumber(createdAt);
    const orderId = ids.order++;
    // A few owners, the first ones busier than the others.
    const ownerId = this.owners[Math.min(this.owners.length - 1, Math.floor(random.next() ** 1.5 * this.owners.length))];
    const customerId = this.customers.first + random.int(0, this.customers.count - 1);
    const lines = this.pickLines();
    const total = lines.reduce((sum, l) => sum + l.lineTotal, 0);
    const gap = period.until - createdAt;
    let status = statusFor(random, gap / DAY);
    // Like confirm in the app: an order the stock cannot cover stays a draft.
    if (status !== 'draft' && status !== 'cancelled' && lines.some((l) => l.product.available < l.quantity)) status = 'draft';
    // Each later step lands a share of the time left before `until`, so no stamp is in the future.
    const confirmedAt = status === 'confirmed' || status === 'shipped' || status === 'completed' ? createdAt + random.next() * Math.min(2 * DAY, gap * 0.15) : null;
    const shippedAt = status === 'shipped' || status === 'completed' ? confirmedAt! + random.next() * Math.min(5 * DAY, gap * 0.2) : null;
    const completedAt = status === 'completed' ? shippedAt! + random.next() * Math.min(10 * DAY, gap * 0.25) : null;
    const cancelledAt = status === 'cancelled' ? createdAt + random.next() * Math.min(3 * DAY, gap * 0.2) : null;
    const paid = status === 'completed' ? total : status === 'shipped' && random.chance(0.3) ? Math.round(total / 2) : status === 'confirmed' && random.chance(0.15) ? Math.round(total * 0.3) : 0;
    const paidAt = paid > 0 ? (completedAt ?? shippedAt ?? confirmedAt)! + random.next() * Math.min(3 * DAY, gap * 0.1) : null;
    const updatedAt = Math.max(createdAt, confirmedAt ?? 0, shippedAt ?? 0, completedAt ?? 0, cancelledAt ?? 0, paidAt ?? 0);
    const version = 1 + { draft: 0, confirmed: 1, shipped: 2, completed: 3, cancelled: 1 }[status] + (paid > 0 ? 1 : 0);
    const stamp = (t: number | null) => (t === null ? null : iso(t));
    rows.orders.push([orderId, number, customerId, ownerId, status, total, paid, null, signatureOf(customerId, lines), version, iso(createdAt), iso(updatedAt), stamp(confirmedAt), stamp(shippedAt), stamp(completedAt), stamp(cancelledAt)]);
    lines.forEach((l, i) => rows.order_items.push([ids.item++, orderId, i + 1, l.productId, l.product.sku, l.product.name, l.quantity, l.unitPrice, l.lineTotal]));
    if (confirmedAt === null) return;
    // Confirmation reserves each line and posts the receivable; shipping turns the reservation into goods out.
    for (const l of lines) {
      const reserveId = ids.movement++;
      rows.stock_movements.push([reserveId, l.productId, orderId, 'reserve', 0, l.quantity, null, null, ownerId, iso(confirmedAt)]);
      l.product.available -= l.quantity;
      const delta = stock.get(l.productId) ?? [0, 0];
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

const seconds = (since: number) => (performance.now() - since) / 1000;

export async function bulkSeed(ctx: Ctx, database: Database, options: BulkSeedOptions): Promise<BulkSeedResult> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  const orderCount = options.orders;
  const customerCount = options.customers ?? clamp(Math.round(orderCount / 100), 100, 10_000);
  const productCount = options.products ?? clamp(Math.round(orderCount / 1000), 30, 1_000);
  if (!Number.isInteger(orderCount) || orderCount < 1) throw new Error('--orders must be a whole number above 0');
  if (customerCount < 1 || productCount < 3) throw new Error('need at least 1 customer and 3 products');
  const until = (options.until ?? new Date()).getTime();
  const from = until - Math.max(2, Math.ceil(orderCount / ORDERS_PER_YEAR)) * YEAR;
  const random = createRandom(options.seed ?? 1_000_003);

  const owners = await seedOwners(ctx);
  const ids = await nextIds(ctx);
  const issued = await sequenceValues(ctx);
  // Rebuilding indexes pays off when the load at least doubles the table; a small top-up keeps them.
  const rebuildIndexes = orderCount >= ids.order - 1;
  const counts = { orders: 0, items: 0, customers: customerCount, products: productCount, stockMovements: 0, ledgerEntries: 0 };
  const writer: BulkWriter = await openBulkWriter(database, log);
  const batchSize = options.batchSize ?? writer.batchOrders;
  // While the database stores one batch, the next is generated.
  let pending: Promise<void> = Promise.resolve();
  try {
    // The dashboard summary's triggers stand aside during the load; its end recounts the summary in one statement.
    await pauseDashboardSummary(ctx.kysely);
    await writer.begin({ rebuildIndexes });
    const master = generateMasterData(random, ids, { customers: customerCount, products: productCount, orders: orderCount }, new Date(from - DAY).toISOString());
    await writer.write(master.batch);
    counts.stockMovements += master.batch.rows.stock_movements.length;
    log(`  ${customerCount.toLocaleString('en')} customers, ${productCount.toLocaleString('en')} products`);

    const generator = new OrderGenerator(random, ids, owners, { first: ids.customer, count: customerCount }, master.products, { from, until, orders: orderCount }, issued);
    let lastReport = performance.now();
    for (let first = 0; first < orderCount; first += batchSize) {
      const batch = await generator.batch(first, Math.min(orderCount, first + batchSize));
      await pending;
      pending = writer.write(batch);
      // Observed at once, so a failure while the next batch is generated is not an unhandled rejection; the
      // next `await pending` still throws it.
      pending.catch(() => undefined);
      counts.orders += batch.rows.orders.length;
      counts.items += batch.rows.order_items.length;
      counts.stockMovements += batch.rows.stock_movements.length;
      counts.ledgerEntries += batch.rows.ledger_entries.length;
      if (performance.now() - lastReport > 5_000) {
        lastReport = performance.now();
        log(`  ${counts.orders.toLocaleString('en')} orders generated (${Math.round(counts.orders / seconds(started)).toLocaleString('en')} orders/s)`);
      }
    }
    await pending;
    let phase = performance.now();
    await writer.commit();
    log(`  ${rebuildIndexes ? 'indexes rebuilt and ' : ''}committed in ${seconds(phase).toFixed(1)} s`);
    phase = performance.now();
    await writer.analyze();
    log(`  planner statistics updated in ${seconds(phase).toFixed(1)} s`);
  } catch (error) {
    await pending.catch(() => undefined);
    await writer.rollback().catch(() => undefined);
    throw error;
  } finally {
    await writer.close();
    await resumeDashboardSummary(ctx);
  }
  const elapsed = seconds(started);
  const rowsWritten = counts.orders + counts.items + counts.customers + counts.products + counts.stockMovements + counts.ledgerEntries;
  return { ...counts, seconds: elapsed, rowsPerSecond: Math.round(rowsWritten / elapsed) };
}
