import { randomBytes } from 'node:crypto';
import type { Database } from '../server/config.js';
import type { Ctx } from '../server/db/context.js';
import { searchKey } from '../server/db/search.js';
import { createUser } from '../server/modules/users/users.service.js';
import { systemActor } from '../server/platform/actor.js';
import { SEED_SHAPE, seedDraw, type GeneratedOrders } from '../server/db/bulk-generate.js';
import { openBulkWriter, type BulkBatch, type BulkRow, type BulkWriter } from '../server/db/bulk-load.js';
import { sampleCustomer, sampleProduct } from './sample-names.js';
import { createRandom, type Random } from './seeded-random.js';

/**
 * The bulk seed: up to millions of orders for benchmarks and load tests, written in large batches straight
 * into the tables instead of through the per-order services. The data is still consistent — unique numbers
 * with the `order_number:YYYY` sequences advanced past them, totals equal to the sum of the lines, and every
 * confirmed, shipped or completed order's reservation, shipment, receivable and payments in the stock and
 * finance journals, with product balances equal to the journal. The whole load is one transaction (see
 * db/bulk-load.ts). What it leaves out on purpose: audit entries and outbox events for the seeded rows (the
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
  log?: (line: string) => void;
  /**
   * Called once the seed has read what it needs through `ctx`, before the load. On SQLite a caller that closes its
   * connections there (and has no other open) lets a seed into an empty book write the database file directly
   * instead of through the write-ahead log: a fifth faster at a million orders (bulk-load.ts, writeDirectly).
   */
  releaseConnections?: () => Promise<void>;
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

type Ids = Awaited<ReturnType<typeof nextIds>>;

/** Customers and products, each product with an opening-stock receipt comfortably above what the orders use. */
function generateMasterData(random: Random, ids: Ids, counts: { customers: number; products: number; orders: number }, at: string) {
  const customers: BulkRow[] = [];
  for (let i = 0; i < counts.customers; i++) {
    const c = sampleCustomer(random, ids.customer + i);
    customers.push([ids.customer + i, c.name, searchKey(c.name), c.phone, c.email, null, at, at, 1]);
  }
  const opening = Math.ceil((counts.orders * 12) / counts.products) + 1_000;
  const productRows: BulkRow[] = [];
  const receipts: BulkRow[] = [];
  for (let i = 0; i < counts.products; i++) {
    const id = ids.product + i;
    const p = sampleProduct(random, id);
    productRows.push([id, p.sku, p.name, searchKey(`${p.sku} ${p.name}`), p.price, opening, 0, at, at, 1]);
    receipts.push([ids.movement++, id, null, 'receive', opening, 0, null, 'opening stock', null, at]);
  }
  return { rows: { customers, products: productRows, stock_movements: receipts } } satisfies BulkBatch;
}

/**
 * Where each calendar year's orders start, and the serial each starts from (after the numbers the database
 * already issued that year): creation times rise with n, so a year is a range of n. `created` is the
 * generator's own formula (bulk-generate.ts), evaluated here only at the year boundaries.
 */
function numberYears(plan: Pick<GeneratedOrders, 'orders' | 'from' | 'slot' | 'seed'>, issued: Map<number, number>): GeneratedOrders['years'] {
  const created = (n: number) => plan.from + n * plan.slot + (seedDraw(n, 0, plan.seed) % plan.slot);
  const yearOf = (n: number) => new Date(created(n)).getUTCFullYear();
  const first = yearOf(0);
  const last = yearOf(plan.orders - 1);
  const starts: number[] = [0];
  for (let year = first + 1; year <= last; year++) {
    const boundary = Date.UTC(year, 0, 1);
    const n = Math.floor((boundary - plan.from) / plan.slot);
    starts.push(created(n) >= boundary ? n : n + 1);
  }
  return starts.map((firstOrder, i) => {
    const year = first + i;
    const count = (starts[i + 1] ?? plan.orders) - firstOrder;
    const firstSerial = (issued.get(year) ?? 0) + 1;
    if (firstSerial + count - 1 > MAX_NUMBER) throw new Error(`More than ${MAX_NUMBER.toLocaleString('en')} orders in ${year}: order numbers have six digits; seed fewer orders`);
    return { year, firstOrder, firstSerial };
  });
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
  await options.releaseConnections?.();
  const writer: BulkWriter = await openBulkWriter(database, log);
  try {
    await writer.begin({ rebuildIndexes });
    const master = generateMasterData(random, ids, { customers: customerCount, products: productCount, orders: orderCount }, new Date(from - DAY).toISOString());
    counts.stockMovements += master.rows.stock_movements.length;
    const seed = (options.seed ?? 1_000_003) % 2_147_483_648;
    const slot = Math.max(1, Math.floor((until - from) / orderCount));
    const years = numberYears({ orders: orderCount, from, slot, seed }, issued);
    // The sequences move past the numbers generated, written with the master data (one call, one transaction).
    const sequences: Array<[string, number]> = years.map((y, i) => [`order_number:${y.year}`, y.firstSerial + (years[i + 1]?.firstOrder ?? orderCount) - y.firstOrder - 1]);
    await writer.write({ ...master, sequences: sequences.filter(([, value], i) => value >= years[i].firstSerial) });
    log(`  ${customerCount.toLocaleString('en')} customers, ${productCount.toLocaleString('en')} products`);

    let phase = performance.now();
    const generated = await writer.generate({
      orders: orderCount,
      seed,
      ids,
      customers: { first: ids.customer, count: customerCount },
      products: { first: ids.product, count: productCount },
      owners,
      from,
      slot,
      until,
      years,
      shape: SEED_SHAPE,
    });
    counts.orders = orderCount;
    counts.items = generated.items;
    counts.stockMovements += generated.stockMovements;
    counts.ledgerEntries = generated.ledgerEntries;
    log(`  ${orderCount.toLocaleString('en')} orders generated in ${seconds(phase).toFixed(1)} s`);
    phase = performance.now();
    await writer.commit();
    log(`  ${rebuildIndexes ? 'indexes rebuilt and ' : ''}committed in ${seconds(phase).toFixed(1)} s`);
    phase = performance.now();
    await writer.analyze();
    log(`  planner statistics updated in ${seconds(phase).toFixed(1)} s`);
  } catch (error) {
    await writer.rollback().catch(() => undefined);
    throw error;
  } finally {
    await writer.close();
  }
  const elapsed = seconds(started);
  const rowsWritten = counts.orders + counts.items + counts.customers + counts.products + counts.stockMovements + counts.ledgerEntries;
  return { ...counts, seconds: elapsed, rowsPerSecond: Math.round(rowsWritten / elapsed) };
}
