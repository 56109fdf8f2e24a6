import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, DIALECTS, makeCustomer, makeProduct, type TestApp } from '../../../../test/helpers.js';
import { checkInvariants } from '../integrity/invariants.js';
import { orderIn, previewAndDelete, stockOf } from './deletion.test-support.js';

/** Runs per database; raise it (ORDERLY_PROPERTY_RUNS=500) for a longer hunt. */
const RUNS = Number(process.env.ORDERLY_PROPERTY_RUNS ?? 50);
const STATES = ['draft', 'confirmed', 'paid', 'cancelled', 'shipped', 'completed'] as const;
const DELETABLE = new Set(['draft', 'confirmed', 'cancelled']);

const orderSpec = fc.record({
  state: fc.constantFrom(...STATES),
  lines: fc.array(fc.record({ product: fc.nat(2), quantity: fc.integer({ min: 1, max: 5 }) }), { minLength: 1, maxLength: 3 }),
});
const scenario = fc.record({
  orders: fc.array(orderSpec, { minLength: 1, maxLength: 5 }),
  by: fc.constantFrom('ids' as const, 'filter' as const),
  restoreBy: fc.constantFrom('batchId' as const, 'ids' as const),
});

describe.each(DIALECTS)('delete then restore returns everything to what it was (%s)', (dialect) => {
  let t: TestApp;
  let products: Array<{ id: string }>;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
    products = [];
    for (let i = 0; i < 3; i++) products.push(await makeProduct(t.admin, { stock: 100_000 }));
  });
  afterAll(async () => t?.close());

  /**
   * Every order row with its lines, every product's stock, the finance summary and every customer's balance.
   * The summary's `reversed` is left out on purpose: it is a running total of reversal entries, and the
   * deletion's reversal stays in the append-only journal after the restore re-posts the receivable.
   */
  async function snapshot() {
    const db = t.db.ctx.kysely;
    const orders = await db.selectFrom('orders').selectAll().orderBy('id').execute();
    const items = await db.selectFrom('order_items').selectAll().orderBy('id').execute();
    const stock = await Promise.all(products.map((p) => stockOf(t.admin, p.id)));
    const { reversed: _runningTotal, ...finance } = (await t.admin.get('/api/finance/summary')).body;
    const balances = (await t.admin.get('/api/finance/customers?sort=name&limit=500')).body.items;
    return { orders, items, stock, finance, balances };
  }

  it(`holds for random orders in random states (${RUNS} runs)`, async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async ({ orders: specs, by, restoreBy }) => {
        const customer = await makeCustomer(t.admin, `Property run ${dialect} ${++run}`);
        const created = [];
        for (const spec of specs) {
          created.push(await orderIn(t.admin, spec.state, customer.id, spec.lines.map((l) => ({ productId: products[l.product].id, quantity: l.quantity }))));
        }
        const ids = created.map((o) => o.id);
        const before = await snapshot();

        const target = by === 'ids' ? { ids } : { filter: { customerId: customer.id } };
        const deleted = await previewAndDelete(t.admin, target, { code: 'test_data' });
        const allDeletable = specs.every((s) => DELETABLE.has(s.state));
        if (!allDeletable) {
          expect(deleted.status).toBe(409);
          expect(await snapshot()).toEqual(before);
          return;
        }
        expect(deleted.status).toBe(200);
        expect(deleted.body.deleted.map((o: { id: string }) => o.id).sort()).toEqual([...ids].sort());
        for (const id of ids) expect((await t.admin.get(`/api/orders/${id}`)).status).toBe(404);

        const restored = await t.admin.post('/api/recycle-bin/restore', restoreBy === 'batchId' ? { batchId: deleted.body.batchId } : { ids });
        expect(restored.status).toBe(200);
        const after = await snapshot();

        // A deleted and restored order is the same row, two versions on (deleted, then restored).
        const touched = new Set(ids.map(Number));
        const comparable = (rows: typeof before.orders, bump: number) =>
          rows.map(({ updated_at: _updatedAt, version, ...rest }) => ({ ...rest, version: touched.has(rest.id) ? version + bump : version }));
        expect(comparable(after.orders, 0)).toEqual(comparable(before.orders, 2));
        expect(after.items).toEqual(before.items);
        expect(after.stock).toEqual(before.stock);
        expect(after.finance).toEqual(before.finance);
        expect(after.balances).toEqual(before.balances);
        expect(await checkInvariants(t.db.ctx.kysely)).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  }, 600_000);
});
