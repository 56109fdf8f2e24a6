import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../test/helpers.js';
import { ORDER_STATUSES } from '../contracts/orders.js';
import { BUILTIN_ROLES } from '../contracts/permissions.js';
import { withLoadingContext } from '../server/db/bulk-load.js';
import type { Ctx } from '../server/db/context.js';
import { verifyAuditChain } from '../server/platform/audit.js';
import { runDataQuality } from '../server/modules/data-quality/data-quality.service.js';
import { DEMO_ORDER_COUNT, DEMO_CLEANUP_ORDERS, DEMO_USERS, loadDemoData } from './demo-data.js';

const ANCHOR = new Date(Date.UTC(2025, 6, 1));

const ordersOf = (ctx: Ctx) =>
  ctx.kysely
    .selectFrom('orders as o')
    .innerJoin('customers as c', 'c.id', 'o.customer_id')
    .innerJoin('users as u', 'u.id', 'o.owner_id')
    .select(['o.number', 'o.total', 'o.paid', 'o.status', 'o.created_at', 'c.name as customer', 'u.username as owner'])
    .orderBy('o.number')
    .execute();

describe.each(DIALECTS)('demo data set (%s)', (dialect) => {
  let first: TestDatabase;
  let second: TestDatabase;
  beforeAll(async () => {
    [first, second] = await Promise.all([createTestDatabase(dialect), createTestDatabase(dialect)]);
    // Loaded the way `orderly demo` loads (PostgreSQL commits without waiting for the disk), both at once.
    await Promise.all(
      [first, second].map(async (db) => {
        await withLoadingContext(db.ctx, db.config.database, (loader) => loadDemoData(loader, { anchor: ANCHOR }));
      }),
    );
  }, 180_000);
  afterAll(async () => {
    await first?.drop();
    await second?.drop();
  });

  it('has customers with Chinese and Latin names, 30 products and a year of orders in every status', async () => {
    const customers = await first.ctx.kysely.selectFrom('customers').select(['name', 'phone', 'email']).execute();
    expect(customers.length).toBeGreaterThanOrEqual(50);
    expect(customers.filter((c) => /\p{Script=Han}/u.test(c.name)).length).toBeGreaterThanOrEqual(20);
    expect(customers.filter((c) => /^[A-Za-z]/.test(c.name)).length).toBeGreaterThanOrEqual(20);
    expect(customers.every((c) => c.phone)).toBe(true);

    const products = await first.ctx.kysely.selectFrom('products').select(['sku', 'price', 'on_hand']).execute();
    expect(products).toHaveLength(30);
    expect(products.every((p) => p.price > 0 && p.on_hand > 0)).toBe(true);

    const orders = await ordersOf(first.ctx);
    expect(orders).toHaveLength(DEMO_ORDER_COUNT + DEMO_CLEANUP_ORDERS);
    expect(new Set(orders.map((o) => o.status))).toEqual(new Set(ORDER_STATUSES));
    const months = new Set(orders.map((o) => o.created_at.slice(0, 7)));
    expect(months.size).toBeGreaterThanOrEqual(11);
    const yearBefore = new Date(Date.UTC(2024, 6, 1)).toISOString();
    expect(orders.every((o) => o.created_at >= yearBefore && o.created_at < ANCHOR.toISOString())).toBe(true);
    expect(new Set(orders.map((o) => o.owner)).size).toBeGreaterThanOrEqual(3);
    expect(orders.filter((o) => o.paid > 0).length).toBeGreaterThan(100);
  });

  it('creates one demo user per built-in role', async () => {
    const rows = await first.ctx.kysely
      .selectFrom('users as u')
      .innerJoin('user_roles as ur', 'ur.user_id', 'u.id')
      .innerJoin('roles as r', 'r.id', 'ur.role_id')
      .select(['u.username', 'r.name as role'])
      .execute();
    for (const role of BUILTIN_ROLES) expect(rows.some((r) => r.role === role), role).toBe(true);
    expect(rows.filter((r) => r.role === 'sales_rep').map((r) => r.username).sort()).toEqual(['rep1', 'rep2']);
  });

  it('gives every demo user a handful of recent notifications of today’s work, the auditor through finance', async () => {
    const rows = await first.ctx.kysely
      .selectFrom('users as u')
      .leftJoin('notifications as n', 'n.user_id', 'u.id')
      .select(['u.username', 'n.topic', 'n.count'])
      .execute();
    const inboxOf = (username: string) => rows.filter((r) => r.username === username && r.topic !== null);
    for (const user of DEMO_USERS) {
      expect(inboxOf(user.username).length, user.username).toBeGreaterThanOrEqual(3);
      expect(inboxOf(user.username).length, user.username).toBeLessThanOrEqual(25);
    }
    // The manager's duplicate clean-up: one grouped notice of two orders, to the owner and to finance (the auditor too).
    for (const username of ['rep2', 'warehouse', 'finance', 'auditor']) expect(inboxOf(username).filter((n) => n.topic === 'order.deleted' && n.count === 2), username).toHaveLength(1);
    // rep1's restore request waits with the approvers.
    for (const username of ['manager', 'admin']) expect(inboxOf(username).map((n) => n.topic), username).toContain('restore_request.created');
    const departments = await first.ctx.kysely.selectFrom('user_departments as d').innerJoin('users as u', 'u.id', 'd.user_id').select('d.department').where('u.username', '=', 'auditor').execute();
    expect(departments.map((d) => d.department)).toEqual(['finance']);
  });

  it('keeps stock, ledger and audit chain consistent with the orders', async () => {
    const db = first.ctx.kysely;
    const drift = await db
      .selectFrom('products as p')
      .innerJoin('stock_movements as m', 'm.product_id', 'p.id')
      .select(['p.sku', 'p.on_hand', 'p.reserved', sql<number>`sum(m.on_hand_delta)`.as('journal_on_hand'), sql<number>`sum(m.reserved_delta)`.as('journal_reserved')])
      .groupBy(['p.id', 'p.sku', 'p.on_hand', 'p.reserved'])
      .execute();
    expect(drift.filter((p) => Number(p.journal_on_hand) !== p.on_hand || Number(p.journal_reserved) !== p.reserved)).toEqual([]);

    const receivable = await db
      .selectFrom('orders as o')
      .leftJoin('ledger_entries as l', 'l.order_id', 'o.id')
      .select(['o.number', 'o.status', 'o.total', 'o.paid', 'o.deleted_at', sql<number>`coalesce(sum(l.amount), 0)`.as('owed')])
      .groupBy(['o.id', 'o.number', 'o.status', 'o.total', 'o.paid', 'o.deleted_at'])
      .execute();
    for (const o of receivable) {
      // Live confirmed orders owe their total less payments; drafts, cancelled and deleted orders owe nothing.
      const expected = ['confirmed', 'shipped', 'completed'].includes(o.status) && o.deleted_at === null ? o.total - o.paid : 0;
      expect(Number(o.owed), o.number).toBe(expected);
    }
    const reserves = await db.selectFrom('stock_movements').select('created_at').where('kind', '=', 'reserve').execute();
    expect(reserves.every((m) => m.created_at < ANCHOR.toISOString())).toBe(true);
    const audit = await verifyAuditChain(db);
    expect(audit.ok).toBe(true);
    expect(audit.checked).toBeGreaterThan(DEMO_ORDER_COUNT);
  });

  it('gives the cleanup pages something to show: a rule, stale drafts and likely duplicates', async () => {
    const rules = await first.ctx.kysely.selectFrom('cleanup_rules').select(['name', 'enabled']).execute();
    expect(rules).toEqual([{ name: 'Stale drafts (30 days untouched)', enabled: 1 }]);
    const report = await runDataQuality(first.ctx, null, 'manual');
    const count = (code: string) => report.checks.find((c) => c.code === code)?.count;
    expect(count('stale_drafts')).toBeGreaterThanOrEqual(3);
    expect(count('duplicate_orders')).toBe(2);
    expect(count('journal_invariants')).toBe(0);
  });

  it('is deterministic: two fresh databases get the same numbers, totals, statuses, dates and customers', async () => {
    const [a, b] = await Promise.all([ordersOf(first.ctx), ordersOf(second.ctx)]);
    expect(a.length).toBe(DEMO_ORDER_COUNT + DEMO_CLEANUP_ORDERS);
    expect(b).toEqual(a);
  });
});
