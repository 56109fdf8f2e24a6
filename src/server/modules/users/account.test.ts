/**
 * Self-service account (issue 18, SPEC §5): a user changes their own display name, language and time zone, and
 * their password (current one required, every other session signed out); an admin can force a reset.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, Client, DIALECTS, type TestApp } from '../../../../test/helpers.js';

describe.each(DIALECTS)('own account (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('changes display name, language and time zone; bad values are field errors and change nothing', async () => {
    const me = await t.userWithRoles('acct_profile', ['sales_rep']);
    const ok = await me.patch('/api/me', { displayName: '  王小明 ', language: 'en', timeZone: 'Europe/Berlin' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body).toMatchObject({ username: 'acct_profile', displayName: '王小明', language: 'en', timeZone: 'Europe/Berlin', mustChangePassword: false });
    expect((await me.get('/api/auth/me')).body).toMatchObject({ displayName: '王小明', language: 'en', timeZone: 'Europe/Berlin' });

    const bad = await me.patch('/api/me', { displayName: 'x'.repeat(101), language: 'fr', timeZone: 'Mars/Olympus' });
    expect(bad.status).toBe(400);
    expect([...new Set(bad.body.errors.map((e: { field: string }) => e.field))].sort()).toEqual(['displayName', 'language', 'timeZone']);
    expect((await me.get('/api/me')).body).toMatchObject({ displayName: '王小明', language: 'en', timeZone: 'Europe/Berlin' });
    // The colleague directory and the admin's list show the display name.
    expect((await t.admin.get('/api/users/directory')).body.items).toContainEqual({ id: me.userId, username: 'acct_profile', displayName: '王小明' });
  });

  it('a password change needs the current password and signs out every other session, not this one', async () => {
    const here = await t.userWithRoles('acct_pw', ['auditor']);
    const laptop = await new Client(t.app).login('acct_pw', 'acct_pw-password-1');
    const phone = await new Client(t.app).login('acct_pw', 'acct_pw-password-1');

    const wrong = await here.post('/api/me/password', { current: 'not-my-password', next: 'a-brand-new-pass-1' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors).toEqual([expect.objectContaining({ field: 'current' })]);
    expect((await laptop.get('/api/auth/me')).status).toBe(200);
    const short = await here.post('/api/me/password', { current: 'acct_pw-password-1', next: 'short' });
    expect(short.status).toBe(400);
    expect(short.body.errors[0].field).toBe('next');

    const changed = await here.post('/api/me/password', { current: 'acct_pw-password-1', next: 'a-brand-new-pass-1' });
    expect(changed.status).toBe(204);
    expect((await here.get('/api/auth/me')).status).toBe(200);
    expect((await laptop.get('/api/auth/me')).status).toBe(401);
    expect((await phone.get('/api/auth/me')).status).toBe(401);
    expect((await t.anonymous().post('/api/auth/login', { username: 'acct_pw', password: 'acct_pw-password-1' })).status).toBe(401);
    await new Client(t.app).login('acct_pw', 'a-brand-new-pass-1');

    const audit = (await t.admin.get(`/api/audit?entityType=user&entityId=${here.userId}`)).body.items.map((e: { action: string }) => e.action);
    expect(audit).toEqual(expect.arrayContaining(['account.password_change', 'account.password_change_failed']));
  });

  it('an admin forces a password reset: sessions end, the user is told at sign-in, a new password clears it', async () => {
    const user = await t.userWithRoles('acct_forced', ['finance']);
    const forced = await t.admin.patch(`/api/users/${user.userId}`, { mustChangePassword: true });
    expect(forced.status).toBe(200);
    expect(forced.body.mustChangePassword).toBe(true);
    expect((await user.get('/api/auth/me')).status).toBe(401);

    const again = await new Client(t.app).login('acct_forced', 'acct_forced-password-1');
    expect((await again.get('/api/auth/me')).body.mustChangePassword).toBe(true);
    expect((await again.get('/api/me')).body.mustChangePassword).toBe(true);
    // Until the new password is set the server answers nothing but the account page's calls, token or cookie alike.
    for (const [method, url, body] of [
      ['GET', '/api/orders'],
      ['GET', '/api/finance/summary'],
      ['PATCH', '/api/me', { displayName: 'x' }],
      ['POST', '/api/tokens', { name: 'escape hatch' }],
      ['GET', `/api/customers/1/statement.pdf`],
    ] as const) {
      const res = await again.request(method, url, body);
      expect(res.status, `${method} ${url}`).toBe(403);
      expect(res.body.type, `${method} ${url}`).toBe('https://orderly.dev/problems/password-reset-required');
    }
    expect((await again.post('/api/me/password', { current: 'acct_forced-password-1', next: 'finance-new-pass-1' })).status).toBe(204);
    expect((await again.get('/api/me')).body.mustChangePassword).toBe(false);
    expect((await again.get('/api/orders')).status).toBe(200);
    // Only admins force resets.
    expect((await again.patch(`/api/users/${user.userId}`, { mustChangePassword: true })).status).toBe(403);
  });

  it("an admin's forced reset holds API tokens too, and sign-out stays open", async () => {
    const user = await t.userWithRoles('acct_forced_token', ['sales_manager']);
    const issued = await user.post('/api/tokens', { name: 'integration' });
    expect(issued.status).toBe(201);
    const bearer = Object.assign(new Client(t.app), { bearer: issued.body.token as string });
    expect((await bearer.get('/api/orders')).status).toBe(200);
    expect((await t.admin.patch(`/api/users/${user.userId}`, { mustChangePassword: true })).status).toBe(200);
    const held = await bearer.get('/api/orders');
    expect(held.status).toBe(403);
    expect(held.body.type).toBe('https://orderly.dev/problems/password-reset-required');
    const session = await new Client(t.app).login('acct_forced_token', 'acct_forced_token-password-1');
    expect((await session.post('/api/auth/logout')).status).toBe(204);
    expect((await bearer.post('/api/me/password', { current: 'acct_forced_token-password-1', next: 'manager-new-pass-1' })).status).toBe(204);
    expect((await bearer.get('/api/orders')).status).toBe(200);
  });

  it('a wrong current password counts toward the sign-in lockout like a failed sign-in', async () => {
    const user = await t.userWithRoles('acct_guess', ['auditor']);
    // ORDERLY_LOCKOUT_FAILURES (10 by default): the tenth wrong password in a row locks the account.
    const failures = t.db.config.login.lockoutFailures;
    for (let i = 0; i < failures - 1; i++) expect((await user.post('/api/me/password', { current: `guess-${i}`, next: 'a-brand-new-pass-1' })).status).toBe(400);
    expect((await new Client(t.app).login('acct_guess', 'acct_guess-password-1')).cookie).toBeTruthy();
    // A successful sign-in starts the count afresh, as it does for sign-ins alone.
    for (let i = 0; i < failures; i++) expect((await user.post('/api/me/password', { current: `guess-${i}`, next: 'a-brand-new-pass-1' })).status).toBe(400);
    expect((await t.anonymous().post('/api/auth/login', { username: 'acct_guess', password: 'acct_guess-password-1' })).status).toBe(401);
    // Locked: the right current password is refused too, and the password stays as it was.
    const locked = await user.post('/api/me/password', { current: 'acct_guess-password-1', next: 'a-brand-new-pass-1' });
    expect(locked.status).toBe(400);
    expect(locked.body.errors[0].field).toBe('current');
    const row = await t.db.ctx.kysely.selectFrom('users').select(['locked_until']).where('id', '=', Number(user.userId)).executeTakeFirstOrThrow();
    expect(row.locked_until).not.toBeNull();
    const audit = (await t.admin.get(`/api/audit?entityType=user&entityId=${user.userId}&action=account.password_change_failed`)).body.items as Array<{ diff: { why: string; lockedUntil?: string } }>;
    expect(audit.some((e) => e.diff.lockedUntil)).toBe(true);
    expect(audit.some((e) => e.diff.why === 'locked')).toBe(true);
  });
});
