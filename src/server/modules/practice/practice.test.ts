import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCatalogue } from '../../db/catalogue.js';
import { ADMIN_PASSWORD, buildTestApp, DIALECTS, makeCustomer, makeOrder, makeProduct, type Client, type TestApp } from '../../../../test/helpers.js';

interface Listed {
  id: string;
  number: string;
  status: string;
  customer: { name: string };
}

describe.each(DIALECTS)('practice workspace (%s)', (dialect) => {
  let t: TestApp;
  let manager: Client;
  let realNumbers: string[];

  /** Every table's row count and the audit chain's head: what "the real database is unchanged" means here. */
  const snapshot = async () => {
    const db = t.db.ctx.kysely;
    const counts: Record<string, number> = {};
    for (const table of await readCatalogue(db, t.dialect)) {
      const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table.name)}`.execute(db);
      counts[table.name] = Number(rows[0].n);
    }
    const head = await db.selectFrom('audit_log').select(['id', 'hash']).orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
    return { counts, head };
  };
  const list = async (client: Client) => (await client.get<{ items: Listed[] }>('/api/orders?limit=500')).body.items;

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    const customer = await makeCustomer(t.admin, 'Real Customer Ltd');
    const product = await makeProduct(t.admin);
    const kept = await makeOrder(t.admin, customer.id, [{ productId: product.id, quantity: 2 }]);
    const deleted = await makeOrder(t.admin, customer.id, [{ productId: product.id, quantity: 1 }]);
    await t.admin.post(`/api/orders/${kept.id}/confirm`);
    const preview = await t.admin.post('/api/orders/delete-preview', { ids: [deleted.id] });
    await t.admin.post('/api/orders/delete', { ids: [deleted.id], reason: { code: 'test_data' }, previewToken: preview.body.previewToken });
    realNumbers = (await list(t.admin)).map((o) => o.number);
    manager = await t.userWithRoles('practice_manager', ['sales_manager']);
  });
  afterAll(() => t.close());

  it('answers a session in practice from its own demo data: delete, restore and purge leave the real database unchanged', { timeout: 240_000 }, async () => {
    const before = await snapshot();
    const opened = await t.admin.post('/api/practice');
    expect(opened.status).toBe(200);
    expect(opened.body).toMatchObject({ active: true, idleHours: 3 });
    expect((await t.admin.get('/api/practice')).body.active).toBe(true);

    const orders = await list(t.admin);
    expect(orders.length).toBeGreaterThan(50);
    expect(orders.some((o) => o.customer.name === 'Real Customer Ltd')).toBe(false);
    const me = await t.admin.get('/api/auth/me');
    expect(me.headers['orderly-practice']).toBe('true');
    expect(me.body.username).toBe('admin');

    // Delete two drafts, restore one, purge the other: every step of the recycle bin works in the sandbox.
    const [first, second] = orders.filter((o) => o.status === 'draft');
    const preview = await t.admin.post('/api/orders/delete-preview', { ids: [first.id, second.id] });
    expect(preview.status).toBe(200);
    const deleted = await t.admin.post('/api/orders/delete', { ids: [first.id, second.id], reason: { code: 'entry_error' }, previewToken: preview.body.previewToken });
    expect(deleted.status).toBe(200);
    expect((await t.admin.post('/api/recycle-bin/restore', { ids: [first.id] })).status).toBe(200);
    // Purge needs a recent step-up; the sandbox user has the real user's password, so it works there too.
    expect((await t.admin.post('/api/auth/step-up', { password: ADMIN_PASSWORD })).status).toBe(200);
    const purged = await t.admin.post('/api/recycle-bin/purge', { ids: [second.id], confirm: 'PURGE' });
    expect(purged.status).toBe(200);
    expect((await t.admin.get('/api/audit/verify')).body.ok).toBe(true);

    // Another user's sandbox is their own: the order purged above is still there.
    expect((await manager.post('/api/practice')).status).toBe(200);
    const managerSees = await list(manager);
    expect(managerSees.map((o) => o.number)).toContain(second.number);
    expect((await list(t.admin)).map((o) => o.number)).not.toContain(second.number);
    expect((await manager.delete('/api/practice')).body.active).toBe(false);

    expect(await snapshot()).toEqual(before);

    const left = await t.admin.delete('/api/practice');
    expect(left.body).toMatchObject({ active: false, openedAt: null });
    expect((await list(t.admin)).map((o) => o.number)).toEqual(realNumbers);
    expect(t.app.practice!.openCount).toBe(0);
  });

  it('discards a sandbox after hours of disuse and answers from the real data again', { timeout: 240_000 }, async () => {
    expect((await t.admin.post('/api/practice')).body.active).toBe(true);
    const workspaces = t.app.practice!;
    const started = Date.now();
    try {
      workspaces.now = () => started + 2 * 3_600_000;
      expect((await t.admin.get('/api/practice')).body.active).toBe(true);
      workspaces.now = () => started + 6 * 3_600_000;
      expect((await t.admin.get('/api/practice')).body.active).toBe(false);
      expect((await list(t.admin)).map((o) => o.number)).toEqual(realNumbers);
      expect(workspaces.openCount).toBe(0);
    } finally {
      workspaces.now = () => Date.now();
    }
  });

  it('is for browser sessions: an API token cannot open one', async () => {
    const token = await t.admin.post('/api/tokens', { name: 'practice' });
    const bearer = t.anonymous();
    bearer.bearer = token.body.token;
    expect((await bearer.post('/api/practice')).status).toBe(403);
    expect((await bearer.get('/api/practice')).body.active).toBe(false);
  });
});
