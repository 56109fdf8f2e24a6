import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, buildTestApp, DIALECTS, type Client, type TestApp } from '../../../../test/helpers.js';
import { isUniqueViolation } from '../../db/unique-violation.js';

/** Fires the same request several times at once and returns the statuses, sorted. */
async function race(times: number, send: (i: number) => Promise<{ status: number }>): Promise<number[]> {
  return (await Promise.all(Array.from({ length: times }, (_, i) => send(i)))).map((r) => r.status).sort();
}

describe.each(DIALECTS)('unique names and the last admin under concurrent requests (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('the same username created five times at once: one 201, the rest 409 naming the field', async () => {
    const answers = await Promise.all(Array.from({ length: 5 }, () => t.admin.post('/api/users', { username: 'twin', password: 'twin-password-1', roles: ['sales_rep'] })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409]);
    for (const a of answers.filter((x) => x.status === 409)) {
      expect(a.headers['content-type']).toContain('application/problem+json');
      expect(a.body.errors).toEqual([{ field: 'username', message: 'is taken' }]);
    }
    const users = (await t.admin.get('/api/users')).body.items as Array<{ username: string }>;
    expect(users.filter((u) => u.username === 'twin')).toHaveLength(1);
  });

  it('the same role name created five times at once: one 201, the rest 409', async () => {
    // Creating a role that grants permissions needs a step-up (SPEC §5).
    await t.admin.post('/api/auth/step-up', { password: ADMIN_PASSWORD });
    const statuses = await race(5, () => t.admin.post('/api/roles', { name: 'night_shift', grants: ['orders.read'] }));
    expect(statuses).toEqual([201, 409, 409, 409, 409]);
    const roles = (await t.admin.get('/api/roles')).body.items as Array<{ name: string }>;
    expect(roles.filter((r) => r.name === 'night_shift')).toHaveLength(1);
  });

  it('the same SKU created five times at once: one 201, the rest 409, one opening-stock entry', async () => {
    const answers = await Promise.all(Array.from({ length: 5 }, () => t.admin.post('/api/products', { sku: 'RACE-1', name: 'Raced', price: '1.00', stock: 7 })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409]);
    expect(answers.find((a) => a.status === 409)!.body.errors).toEqual([{ field: 'sku', message: 'exists already' }]);
    const created = answers.find((a) => a.status === 201)!.body;
    const movements = await t.admin.get(`/api/inventory/movements?productId=${created.id}`);
    expect(movements.status).toBe(200);
    expect(movements.body.items).toHaveLength(1);
  });

  it('recognises a unique violation from this database, and nothing else', async () => {
    const now = new Date().toISOString();
    const values = { username: 'dupe_check', password_hash: 'x', disabled: 0, failed_logins: 0, created_at: now, updated_at: now };
    await t.db.ctx.kysely.insertInto('users').values(values).execute();
    const duplicate = await t.db.ctx.kysely.insertInto('users').values(values).execute().catch((error: unknown) => error);
    expect(isUniqueViolation(duplicate)).toBe(true);
    const otherFailure = await t.db.ctx.kysely.insertInto('users').values({ ...values, username: 'dupe_check_2', user_id_nope: 1 } as never).execute().catch((error: unknown) => error);
    expect(otherFailure).toBeInstanceOf(Error);
    expect(isUniqueViolation(otherFailure)).toBe(false);
  });

  it('a SKU inserted by a transaction that commits while the request waits on the index is 409, not 500', async () => {
    // The request's own check cannot see the uncommitted row, so on PostgreSQL its insert waits on the unique
    // index and fails when the holder commits: the path a real race takes. (SQLite runs one writer at a time,
    // so there the request simply waits and its check sees the row.)
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let inserted!: () => void;
    const insertDone = new Promise<void>((resolve) => (inserted = resolve));
    const now = new Date().toISOString();
    const holder = t.db.ctx.kysely.transaction().execute(async (trx) => {
      await trx.insertInto('products').values({ sku: 'HELD-1', name: 'Held', name_key: 'held-1 held', price: 100, on_hand: 0, reserved: 0, created_at: now, updated_at: now, version: 1 }).execute();
      inserted();
      await held;
    });
    await insertDone;
    const request = t.admin.post('/api/products', { sku: 'HELD-1', name: 'Second', price: '2.00', stock: 1 });
    if (t.dialect === 'postgres') {
      const waiting = async () =>
        (await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(t.db.ctx.kysely)).rows[0].n;
      while ((await waiting()) === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    release();
    await holder;
    const res = await request;
    expect(res.status).toBe(409);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.errors).toEqual([{ field: 'sku', message: 'exists already' }]);
  });

  it('the last enabled admin can be neither disabled nor demoted', async () => {
    const me = await t.admin.get('/api/auth/me');
    const adminId = me.body.id as string;
    const disable = await t.admin.patch(`/api/users/${adminId}`, { disabled: true });
    expect(disable.status).toBe(409);
    expect(disable.body.detail).toMatch(/last enabled admin/);
    // Role changes ask for the password again (SPEC §5 step-up).
    expect((await t.admin.post('/api/auth/step-up', { password: ADMIN_PASSWORD })).status).toBe(200);
    expect((await t.admin.patch(`/api/users/${adminId}`, { roles: ['auditor'] })).status).toBe(409);
    // Nothing of the refused change was kept.
    expect((await t.admin.get('/api/auth/me')).body.roles).toEqual(['admin']);
    // A disabled admin does not count: with a second, disabled admin, the first is still the last enabled one.
    const spare = await t.admin.post('/api/users', { username: 'spare_admin', password: 'spare-admin-pass-1', roles: ['admin'] });
    expect((await t.admin.patch(`/api/users/${spare.body.id}`, { disabled: true })).status).toBe(200);
    expect((await t.admin.patch(`/api/users/${adminId}`, { roles: ['auditor'] })).status).toBe(409);
    // Other changes to the last admin are fine.
    expect((await t.admin.patch(`/api/users/${adminId}`, { displayName: 'Chief' })).status).toBe(200);
  });

  it('two admins demoting each other at once leave one admin', async () => {
    const second = await t.userWithRoles('second_admin', ['admin']);
    const firstId = (await t.admin.get('/api/auth/me')).body.id as string;
    expect((await t.admin.post('/api/auth/step-up', { password: ADMIN_PASSWORD })).status).toBe(200);
    expect((await second.post('/api/auth/step-up', { password: 'second_admin-password-1' })).status).toBe(200);
    const answers = await Promise.all([
      t.admin.patch(`/api/users/${second.userId}`, { roles: ['auditor'] }),
      (second as Client).patch(`/api/users/${firstId}`, { roles: ['auditor'] }),
    ]);
    // The loser is refused either way: 409 when both passed their permission check before either committed (the
    // race the last-admin check decides), 403 when the winner had already committed and the loser was no longer
    // an admin (a busy machine can run the two requests one after the other). Never both 200.
    const [won, lost] = answers.map((a) => a.status).sort();
    expect(won).toBe(200);
    expect([403, 409]).toContain(lost);
    const users = (await t.db.ctx.kysely
      .selectFrom('users')
      .innerJoin('user_roles', 'user_roles.user_id', 'users.id')
      .innerJoin('roles', 'roles.id', 'user_roles.role_id')
      .select('users.username')
      .where('roles.name', '=', 'admin')
      .where('users.disabled', '=', 0)
      .execute()).map((u) => u.username);
    expect(users).toHaveLength(1);
  });
});
