import SQLite from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generatedOrderStatements, SEED_ORDER_COLUMN_NAMES, SEED_SHAPE, seedDraw, type GeneratedOrders } from './bulk-generate.js';
import { fillSeedOrders } from './bulk-load.js';

const DAY = 86_400_000;
const TIMES = ['created', 'confirmed', 'shipped', 'completed', 'cancelled', 'paid_ms'];
const YEAR = 365 * DAY;

const SHAPES: Array<GeneratedOrders['shape']> = [
  SEED_SHAPE,
  {
    statusByAge: [
      { olderThanDays: 400, weights: { shipped: 50, completed: 50, draft: 0, confirmed: 0, cancelled: 0 } },
      { olderThanDays: 0, weights: { confirmed: 25, cancelled: 25, completed: 25, shipped: 20, draft: 5 } },
    ],
    lineCounts: { '3': 60, '1': 40, '2': 0 },
    quantities: { '7': 100 },
    discountPercent: 55,
    partPaymentPercent: { shipped: 90, confirmed: 60 },
  },
];

const plans = fc.record({
  orders: fc.integer({ min: 1, max: 300 }),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  customers: fc.record({ first: fc.integer({ min: 1, max: 10_000 }), count: fc.integer({ min: 1, max: 5_000 }) }),
  prices: fc.array(fc.integer({ min: 1, max: 50_000_000 }), { minLength: 3, maxLength: 40 }),
  productFirst: fc.integer({ min: 1, max: 1_000 }),
  owners: fc.uniqueArray(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 8 }),
  until: fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2040, 0, 1) }),
  years: fc.integer({ min: 1, max: 6 }),
  shape: fc.constantFrom(...SHAPES),
});

type PlanInput = typeof plans extends fc.Arbitrary<infer T> ? T : never;

/** `seed_orders` as the SQL computes it (PostgreSQL's path) and as seedOrderRows does (SQLite's), side by side. */
function bothWays(input: PlanInput) {
  const from = input.until - input.years * YEAR;
  const plan: GeneratedOrders = {
    orders: input.orders,
    seed: input.seed,
    ids: { order: 1, item: 1, movement: 1, ledger: 1 },
    customers: input.customers,
    products: { first: input.productFirst, count: input.prices.length },
    owners: input.owners,
    from,
    slot: Math.max(1, Math.floor((input.until - from) / input.orders)),
    until: input.until,
    years: [{ year: 2000, firstOrder: 0, firstSerial: 1 }],
    shape: input.shape,
  };
  const db = new SQLite(':memory:');
  try {
    db.exec('create table products (id integer primary key, price integer not null)');
    const insert = db.prepare('insert into products (id, price) values (?, ?)');
    input.prices.forEach((price, i) => insert.run(plan.products.first + i, price));
    db.exec(generatedOrderStatements('sqlite', plan).prepare);
    const bySql = db.prepare('select * from seed_orders order by n').raw().all();
    db.exec('drop table seed_orders');
    fillSeedOrders(db, plan, input.prices);
    const byJs = db.prepare('select * from seed_orders order by n').raw().all();
    const mistyped = db
      .prepare(`select count(*) from seed_orders where ${SEED_ORDER_COLUMN_NAMES.map((c) => `typeof(${c}) not in ('${c === 'status' || TIMES.includes(c) ? 'text' : 'integer'}', 'null')`).join(' or ')}`)
      .pluck()
      .get();
    return { bySql, byJs, mistyped };
  } finally {
    db.close();
  }
}

describe('the seed orders computed in JavaScript', () => {
  it('are row for row the orders the SQL computes, numbers stored as integers and times as the app writes them', () => {
    fc.assert(
      fc.property(plans, (input) => {
        const { bySql, byJs, mistyped } = bothWays(input);
        expect(byJs.length).toBe(input.orders);
        expect(byJs).toEqual(bySql);
        expect(mistyped).toBe(0);
      }),
      { numRuns: 60 },
    );
  });

  it('draw order n exactly as seedDraw does, in every status and line count of a larger book', () => {
    const { bySql, byJs } = bothWays({
      orders: 20_000,
      seed: 1_000_003,
      customers: { first: 1, count: 10_000 },
      prices: Array.from({ length: 1_000 }, (_, i) => 99 + ((i * 7_919) % 100_000)),
      productFirst: 1,
      owners: [1, 2, 3, 4, 5, 6],
      until: Date.UTC(2026, 11, 7),
      years: 2,
      shape: SEED_SHAPE,
    });
    expect(byJs).toEqual(bySql);
    const statuses = new Set(byJs.map((row) => (row as unknown[])[3]));
    expect([...statuses].sort()).toEqual(['cancelled', 'completed', 'confirmed', 'draft', 'shipped']);
    // created = from + n·slot + draw(n, 0) % slot: the stream seedDraw places the year boundaries with.
    const from = Date.UTC(2026, 11, 7) - 2 * YEAR;
    const slot = Math.floor((2 * YEAR) / 20_000);
    for (const n of [0, 1, 9_999, 19_999]) expect((byJs[n] as unknown[])[16]).toBe(new Date(from + n * slot + (seedDraw(n, 0, 1_000_003) % slot)).toISOString());
  });
});
