/**
 * Random sequences of create / confirm / ship / complete / cancel / pay / refund / adjust / receive / delete
 * (one order, or a batch through preview and token) / restore (by ids, by batch, or the deleter's undo) / purge
 * against the HTTP API (purge through the retention job, which is the same purgeRows as the route without its
 * backup). Every path that writes the stock and ledger journals (SPEC §1.5) is in one model. After every step:
 * the invariant checker finds nothing, and a small model kept here (on-hand and reserved per product, each
 * order's status, paid and whether it is live, deleted or purged, the company's receivable; the customer's
 * balance at the end of each sequence) equals the API's figures exactly, so a reversal off by one unit or one
 * cent fails the run.
 *
 * One app per database; each sequence gets its own customer and products and compares the company-wide
 * receivable as a change from where the sequence started, so sequences never need a fresh database.
 * PROPERTY_RUNS (default 500) sets the number of sequences per database; PROPERTY_SEED replays a failure.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromMinor, toMinor } from '../../../contracts/common.js';
import { ADMIN_PASSWORD, buildTestApp, DIALECTS, type Client, type TestApp } from '../../../../test/helpers.js';
import { runPurgeJob } from '../recycle-bin/purge.job.js';
import { checkInvariants, type Violation } from './invariants.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 500);
const SEED = process.env.PROPERTY_SEED ? Number(process.env.PROPERTY_SEED) : undefined;
const PRODUCTS_PER_SEQUENCE = 3;

type Line = { p: number; qty: number; cents: number | null };
type Action =
  | { type: 'create'; lines: Line[] }
  | { type: 'confirm' | 'ship' | 'complete' | 'cancel'; o: number }
  | { type: 'pay' | 'refund'; o: number; perMille: number; excess: number }
  | { type: 'adjust'; p: number; delta: number }
  | { type: 'receive'; p: number; qty: number }
  | { type: 'delete' | 'restore' | 'restoreBatch' | 'undo'; o: number }
  | { type: 'deleteBatch'; os: number[] }
  | { type: 'purge' };

const line: fc.Arbitrary<Line> = fc.record({
  p: fc.nat(PRODUCTS_PER_SEQUENCE - 1),
  qty: fc.integer({ min: 1, max: 6 }),
  // Mostly the list price; sometimes an odd price to the cent.
  cents: fc.option(fc.integer({ min: 0, max: 99_999 }), { freq: 2 }),
});
const create: fc.Arbitrary<Action> = fc.record({ type: fc.constant('create' as const), lines: fc.array(line, { minLength: 1, maxLength: 3 }) });
const onOrder = (type: 'confirm' | 'ship' | 'complete' | 'cancel'): fc.Arbitrary<Action> => fc.record({ type: fc.constant(type), o: fc.nat(20) });
const money = (type: 'pay' | 'refund'): fc.Arbitrary<Action> =>
  // A share of what is payable (or refundable), sometimes one cent more than allowed.
  fc.record({ type: fc.constant(type), o: fc.nat(20), perMille: fc.integer({ min: 1, max: 1000 }), excess: fc.constantFrom(0, 0, 0, 1) });
const action: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: create, weight: 2 },
  { arbitrary: onOrder('confirm'), weight: 3 },
  { arbitrary: onOrder('ship'), weight: 2 },
  { arbitrary: onOrder('complete'), weight: 1 },
  { arbitrary: onOrder('cancel'), weight: 2 },
  { arbitrary: money('pay'), weight: 3 },
  { arbitrary: money('refund'), weight: 2 },
  { arbitrary: fc.record({ type: fc.constant('adjust' as const), p: fc.nat(PRODUCTS_PER_SEQUENCE - 1), delta: fc.integer({ min: -8, max: 8 }).filter((d) => d !== 0) }), weight: 2 },
  { arbitrary: fc.record({ type: fc.constant('receive' as const), p: fc.nat(PRODUCTS_PER_SEQUENCE - 1), qty: fc.integer({ min: 1, max: 5 }) }), weight: 1 },
  { arbitrary: fc.record({ type: fc.constant('delete' as const), o: fc.nat(20) }), weight: 2 },
  { arbitrary: fc.record({ type: fc.constant('deleteBatch' as const), os: fc.array(fc.nat(20), { minLength: 1, maxLength: 4 }) }), weight: 2 },
  { arbitrary: fc.record({ type: fc.constant('restore' as const), o: fc.nat(20) }), weight: 2 },
  { arbitrary: fc.record({ type: fc.constant('restoreBatch' as const), o: fc.nat(20) }), weight: 1 },
  { arbitrary: fc.record({ type: fc.constant('undo' as const), o: fc.nat(20) }), weight: 1 },
  { arbitrary: fc.constant({ type: 'purge' as const }), weight: 1 },
);
/** 5–15 steps, the first always an order so that most steps have something to act on. */
const sequence = fc
  .record({
    stocks: fc.array(fc.integer({ min: 0, max: 12 }), { minLength: PRODUCTS_PER_SEQUENCE, maxLength: PRODUCTS_PER_SEQUENCE }),
    prices: fc.array(fc.integer({ min: 1, max: 50_000 }), { minLength: PRODUCTS_PER_SEQUENCE, maxLength: PRODUCTS_PER_SEQUENCE }),
    first: create,
    rest: fc.array(action, { minLength: 4, maxLength: 14 }),
  })
  .map(({ first, rest, ...setup }) => ({ ...setup, actions: [first, ...rest] }));

interface ModelProduct {
  id: string;
  sku: string;
  price: number;
  onHand: number;
  reserved: number;
}
interface ModelOrder {
  id: string;
  status: string;
  need: Map<number, number>;
  total: number;
  paid: number;
  /** live, in the recycle bin, or gone for good. */
  state: 'live' | 'deleted' | 'purged';
  /** The batch it was last deleted in (kept after a restore, so a batch can be asked for once it is empty). */
  batchId: string | null;
}
interface Model {
  products: ModelProduct[];
  orders: ModelOrder[];
  /** Change of the company-wide receivable since the sequence started, in cents. */
  receivable: number;
}

const ACTIVE = ['confirmed', 'shipped', 'completed'];
const customerBalance = (m: Model) => m.orders.filter((o) => o.state === 'live' && ACTIVE.includes(o.status)).reduce((s, o) => s + o.total - o.paid, 0);
/** What deleting would refuse (SPEC §3); the deleter may delete confirmed orders. */
const deletable = (o: ModelOrder) => o.status === 'draft' || o.status === 'cancelled' || (o.status === 'confirmed' && o.paid === 0);
/** A day past the default 30-day retention: the purge job takes everything in the bin. */
const AFTER_RETENTION_MS = 31 * 86_400_000;

describe.each(DIALECTS)('journals under random sequences of commands (%s)', (dialect) => {
  let t: TestApp;
  let warehouse: Client;
  let finance: Client;
  /** May delete confirmed orders but has no orders.restore: the only way back for it is the undo of its own batch. */
  let deleter: Client;
  let run = 0;

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    warehouse = await t.userWithRoles('prop_warehouse', ['warehouse']);
    finance = await t.userWithRoles('prop_finance', ['finance']);
    await t.admin.post('/api/auth/step-up', { password: ADMIN_PASSWORD });
    const role = await t.admin.post('/api/roles', { name: 'prop_deleter', grants: ['orders.read', 'orders.delete', 'orders.delete_confirmed'] });
    expect(role.status, JSON.stringify(role.body)).toBe(201);
    deleter = await t.userWithRoles('prop_deleter', ['prop_deleter']);
  });
  afterAll(async () => t?.close());

  async function receivableNow(): Promise<number> {
    const res = await finance.get('/api/finance/summary');
    expect(res.status).toBe(200);
    return toMinor(res.body.receivable);
  }

  /** Deleting gives back what confirmed orders hold and takes their receivable out of the live figures. */
  function markDeleted(m: Model, orders: ModelOrder[], batchId: string): void {
    expect(typeof batchId).toBe('string');
    for (const o of orders) {
      o.state = 'deleted';
      o.batchId = batchId;
      if (o.status !== 'confirmed') continue;
      for (const [p, q] of o.need) m.products[p].reserved -= q;
      m.receivable -= o.total;
    }
  }

  /** Preview, then delete with its token: all or nothing, as one batch. */
  async function deleteBatch(m: Model, orders: ModelOrder[]): Promise<void> {
    const ids = orders.map((o) => o.id);
    const preview = await deleter.post('/api/orders/delete-preview', { ids });
    if (orders.some((o) => o.state !== 'live')) {
      expect(preview.status, JSON.stringify(preview.body)).toBe(404);
      return;
    }
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    const allDeletable = orders.every(deletable);
    expect(preview.body.deletable).toBe(allDeletable);
    const res = await deleter.post('/api/orders/delete', { ids, reason: { code: 'duplicate' }, previewToken: preview.body.previewToken });
    if (!allDeletable) {
      expect(res.status, JSON.stringify(res.body)).toBe(409);
      return;
    }
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    markDeleted(m, orders, res.body.batchId);
  }

  /** Performs one action over HTTP, asserts the response the model predicts, and updates the model. */
  async function step(m: Model, a: Action): Promise<void> {
    if (a.type === 'create') {
      const items = a.lines.map((l) => ({ productId: m.products[l.p].id, quantity: l.qty, ...(l.cents === null ? {} : { unitPrice: fromMinor(l.cents) }) }));
      const res = await t.admin.post('/api/orders', { customerId: customerIdOf(m), items });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const total = a.lines.reduce((s, l) => s + l.qty * (l.cents ?? m.products[l.p].price), 0);
      expect(res.body.total).toBe(fromMinor(total));
      const need = new Map<number, number>();
      for (const l of a.lines) need.set(l.p, (need.get(l.p) ?? 0) + l.qty);
      m.orders.push({ id: res.body.id, status: 'draft', need, total, paid: 0, state: 'live', batchId: null });
      return;
    }
    if (a.type === 'adjust' || a.type === 'receive') {
      const p = m.products[a.p];
      const quantity = a.type === 'adjust' ? a.delta : a.qty;
      const res = await warehouse.post(`/api/products/${p.id}/stock`, { kind: a.type, quantity, reason: 'property test' });
      if (p.onHand + quantity >= p.reserved) {
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        p.onHand += quantity;
      } else {
        expect(res.status, JSON.stringify(res.body)).toBe(409);
      }
      return;
    }
    if (a.type === 'purge') {
      const { purged } = await runPurgeJob(t.db.ctx, new Date(Date.now() + AFTER_RETENTION_MS));
      const inBin = m.orders.filter((o) => o.state === 'deleted');
      expect(purged).toBeGreaterThanOrEqual(inBin.length);
      for (const o of inBin) o.state = 'purged';
      return;
    }
    if (m.orders.length === 0) return;
    if (a.type === 'deleteBatch') return deleteBatch(m, [...new Set(a.os.map((i) => m.orders[i % m.orders.length]))]);
    const o = m.orders[a.o % m.orders.length];
    const url = `/api/orders/${o.id}`;

    if (a.type === 'delete') {
      const res = await deleter.delete(url, { reason: { code: 'entry_error' } });
      if (o.state !== 'live') {
        expect(res.status, JSON.stringify(res.body)).toBe(404);
      } else if (!deletable(o)) {
        expect(res.status, JSON.stringify(res.body)).toBe(409);
      } else {
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        markDeleted(m, [o], res.body.batchId);
      }
      return;
    }
    if (a.type === 'restore' || a.type === 'restoreBatch' || a.type === 'undo') {
      if (a.type !== 'restore' && o.batchId === null) return; // never deleted: there is no batch to name
      const target = a.type === 'restore' ? { ids: [o.id] } : { batchId: o.batchId };
      const rows = a.type === 'restore' ? (o.state === 'deleted' ? [o] : []) : m.orders.filter((x) => x.state === 'deleted' && x.batchId === o.batchId);
      const res = await (a.type === 'undo' ? deleter : t.admin).post('/api/recycle-bin/restore', target);
      if (rows.length === 0) {
        expect(res.status, JSON.stringify(res.body)).toBe(404);
        return;
      }
      // All or nothing: the confirmed orders together must find their units available.
      const asked = new Map<number, number>();
      for (const r of rows.filter((x) => x.status === 'confirmed')) for (const [p, q] of r.need) asked.set(p, (asked.get(p) ?? 0) + q);
      const short = [...asked].filter(([p, q]) => m.products[p].onHand - m.products[p].reserved < q).sort(([x], [y]) => x - y);
      if (short.length) {
        expect(res.status, JSON.stringify(res.body)).toBe(409);
        expect(res.body.code).toBe('insufficient_stock');
        expect(res.body.shortages.map((s: { sku: string; requested: number; available: number }) => [s.sku, s.requested, s.available])).toEqual(
          short.map(([p, q]) => [m.products[p].sku, q, m.products[p].onHand - m.products[p].reserved]),
        );
        return;
      }
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.restored.map((r: { id: string }) => r.id).sort()).toEqual(rows.map((r) => r.id).sort());
      for (const r of rows) {
        r.state = 'live';
        if (r.status !== 'confirmed') continue;
        for (const [p, q] of r.need) m.products[p].reserved += q;
        m.receivable += r.total;
      }
      return;
    }
    if (o.state !== 'live') {
      // A deleted or purged order takes no payment and no transition: it does not exist for them.
      const res = a.type === 'pay' || a.type === 'refund' ? await finance.post(`${url}/${a.type === 'pay' ? 'payments' : 'refunds'}`, { amount: '0.01' }) : await t.admin.post(`${url}/${a.type}`);
      expect(res.status, JSON.stringify(res.body)).toBe(404);
      return;
    }

    if (a.type === 'pay' || a.type === 'refund') {
      const room = a.type === 'pay' ? (ACTIVE.includes(o.status) ? o.total - o.paid : 0) : o.paid;
      const amount = Math.max(1, Math.ceil((room * a.perMille) / 1000)) + a.excess;
      const res = await finance.post(`${url}/${a.type === 'pay' ? 'payments' : 'refunds'}`, { amount: fromMinor(amount) });
      if (ACTIVE.includes(o.status) && amount <= room) {
        expect(res.status, JSON.stringify(res.body)).toBe(201);
        const sign = a.type === 'pay' ? 1 : -1;
        o.paid += sign * amount;
        m.receivable -= sign * amount;
        expect(res.body.paid).toBe(fromMinor(o.paid));
      } else {
        expect(res.status, JSON.stringify(res.body)).toBe(409);
      }
      return;
    }

    const client = a.type === 'ship' || a.type === 'complete' ? warehouse : t.admin;
    const res = await client.post(`${url}/${a.type}`);
    const allowed =
      (a.type === 'confirm' && o.status === 'draft') ||
      (a.type === 'ship' && o.status === 'confirmed') ||
      (a.type === 'complete' && o.status === 'shipped') ||
      (a.type === 'cancel' && (o.status === 'draft' || (o.status === 'confirmed' && o.paid === 0)));
    if (!allowed) {
      expect(res.status, JSON.stringify(res.body)).toBe(409);
      return;
    }
    if (a.type === 'confirm') {
      const short = [...o.need].filter(([p, q]) => m.products[p].onHand - m.products[p].reserved < q).sort(([x], [y]) => x - y);
      if (short.length) {
        expect(res.status, JSON.stringify(res.body)).toBe(409);
        expect(res.body.shortages.map((s: { sku: string; requested: number; available: number }) => [s.sku, s.requested, s.available])).toEqual(
          short.map(([p, q]) => [m.products[p].sku, q, m.products[p].onHand - m.products[p].reserved]),
        );
        return;
      }
    }
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    for (const [p, q] of o.need) {
      const product = m.products[p];
      if (a.type === 'confirm') product.reserved += q;
      if (a.type === 'ship') [product.onHand, product.reserved] = [product.onHand - q, product.reserved - q];
      if (a.type === 'cancel' && o.status === 'confirmed') product.reserved -= q;
    }
    if (a.type === 'confirm') m.receivable += o.total;
    if (a.type === 'cancel' && o.status === 'confirmed') m.receivable -= o.total;
    o.status = { confirm: 'confirmed', ship: 'shipped', complete: 'completed', cancel: 'cancelled' }[a.type];
    expect(res.body.status).toBe(o.status);
  }

  /**
   * Violations left by an earlier failed sequence. Only a failure leaves any (the first sequence asserts there
   * are none); ignoring them lets fast-check shrink the failing sequence against the same database.
   */
  let knownViolations = new Set<string>();
  const keyOf = (v: Violation) => `${v.code} ${v.entity.type}:${v.entity.id}`;

  const customers = new WeakMap<Model, { id: string; name: string }>();
  const customerIdOf = (m: Model) => customers.get(m)!.id;

  /** The API's figures against the model, exactly, and the journals against their rules. */
  async function verify(m: Model, baseline: number, prefix: string, after: string): Promise<void> {
    // Three independent reads; on PostgreSQL they run side by side, which keeps 500 sequences affordable.
    const [violations, stock, receivable] = await Promise.all([checkInvariants(t.db.ctx.kysely), t.admin.get(`/api/inventory/stock?q=${prefix}`), receivableNow()]);
    const fresh = violations.filter((v) => !knownViolations.has(keyOf(v)));
    expect(fresh, `invariants after ${after}`).toEqual([]);
    const byId = new Map((stock.body.items as Array<{ id: string; stock: unknown }>).map((r) => [r.id, r.stock]));
    expect(
      m.products.map((p) => byId.get(p.id)),
      `stock after ${after}`,
    ).toEqual(m.products.map((p) => ({ onHand: p.onHand, reserved: p.reserved, available: p.onHand - p.reserved })));
    expect(receivable, `company receivable after ${after}`).toBe(baseline + m.receivable);
  }

  /** The customer report agrees with the model too; once per sequence, as it sums the same entries as the summary. */
  async function verifyCustomer(m: Model): Promise<void> {
    const customer = customers.get(m)!;
    const balances = await finance.get(`/api/finance/customers?q=${encodeURIComponent(customer.name)}`);
    const row = (balances.body.items as Array<{ customer: { id: string }; balance: string }>).find((r) => r.customer.id === customer.id);
    expect(row ? toMinor(row.balance) : 0, 'customer balance at the end of the sequence').toBe(customerBalance(m));
  }

  it(`keeps stock and money exact through ${RUNS} random sequences`, async () => {
    await fc.assert(
      fc.asyncProperty(sequence, async ({ stocks, prices, actions }) => {
        run++;
        knownViolations = new Set((await checkInvariants(t.db.ctx.kysely)).map(keyOf));
        if (run === 1) expect([...knownViolations], 'a clean database to start from').toEqual([]);
        const prefix = `PB${run}Z`;
        const m: Model = { products: [], orders: [], receivable: 0 };
        const name = `Property ${dialect} ${run} Ltd`;
        const customer = await t.admin.post('/api/customers', { name });
        customers.set(m, { id: customer.body.id, name });
        for (let i = 0; i < PRODUCTS_PER_SEQUENCE; i++) {
          const sku = `${prefix}${i}`;
          const res = await warehouse.post('/api/products', { sku, name: `Item ${sku}`, price: fromMinor(prices[i]), stock: stocks[i] });
          expect(res.status).toBe(201);
          m.products.push({ id: res.body.id, sku, price: prices[i], onHand: stocks[i], reserved: 0 });
        }
        const baseline = await receivableNow();
        for (const [i, a] of actions.entries()) {
          await step(m, a);
          await verify(m, baseline, prefix, `step ${i + 1} ${JSON.stringify(a)}`);
        }
        await verifyCustomer(m);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: process.env.PROPERTY_SHRINK === '0' },
    );
  }, 30 * 60_000);
});
