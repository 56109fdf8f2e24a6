import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, buildTestApp, DIALECTS, type TestApp } from '../../../../test/helpers.js';

/** Any id works for the 401 sweep: the session is checked before the route looks anything up. */
const concreteUrl = (url: string) => url.replace(/:[A-Za-z]+/g, '1');

describe.each(DIALECTS)('sign-in, sessions, CSRF and API tokens (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('signs in with an HttpOnly session cookie and returns the user and a CSRF token', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: ADMIN_PASSWORD } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.user).toMatchObject({ username: 'admin', roles: ['admin'] });
    expect(body.user.permissions['orders.purge']).toBe('all');
    expect(body.csrfToken).toEqual(expect.any(String));
    expect(body.csrfToken.length).toBeGreaterThanOrEqual(32);
    const cookie = [res.headers['set-cookie']].flat().find((c) => c?.startsWith('orderly_session='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);
    // The cookie carries a secret, not the CSRF token or the user id.
    const value = cookie.split(';')[0].split('=')[1];
    expect(value).not.toBe(body.csrfToken);
    expect(value.length).toBeGreaterThanOrEqual(32);
  });

  it('GET /api/auth/me describes the caller and repeats the session CSRF token', async () => {
    const res = await t.admin.get('/api/auth/me');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ username: 'admin', roles: ['admin'], csrfToken: t.admin.csrf });
    expect(res.body.id).toMatch(/^\d+$/);
    expect(res.body.permissions).toMatchObject({ 'orders.read': 'all', 'users.manage': 'all' });

    const rep = await t.userWithRoles('rep_me', ['sales_rep']);
    const mine = await rep.get('/api/auth/me');
    expect(mine.body).toMatchObject({ id: rep.userId, username: 'rep_me', roles: ['sales_rep'], csrfToken: rep.csrf });
    expect(mine.body.permissions['orders.read']).toBe('own');
    expect(mine.body.permissions['orders.purge']).toBeUndefined();
    expect(rep.csrf).not.toBe(t.admin.csrf);
  });

  it('answers a wrong password and an unknown user with the same 401, revealing nothing', async () => {
    const wrongPassword = await t.anonymous().post('/api/auth/login', { username: 'admin', password: 'not-the-password' });
    const unknownUser = await t.anonymous().post('/api/auth/login', { username: 'nobody_here', password: 'not-the-password' });
    for (const res of [wrongPassword, unknownUser]) {
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(res.body.detail).not.toMatch(/exist|unknown|no such|not found/i);
    }
    const { requestId: _a, ...a } = wrongPassword.body;
    const { requestId: _b, ...b } = unknownUser.body;
    expect(a).toEqual(b);
    // A failed attempt does not disturb the admin's real session.
    expect((await t.admin.get('/api/auth/me')).status).toBe(200);
  });

  it('rejects a login without username or password as 400 naming the fields', async () => {
    const res = await t.anonymous().post('/api/auth/login', {});
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['username', 'password']));
  });

  it('logout ends the session on the server, not only in the browser', async () => {
    const rep = await t.userWithRoles('rep_logout', ['sales_rep']);
    const cookie = rep.cookie;
    const res = await rep.post('/api/auth/logout');
    expect(res.status).toBe(204);
    const cleared = [res.headers['set-cookie']].flat().map(String).find((c) => c.startsWith('orderly_session='));
    expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970|Max-Age=0/i);
    // The client still sends the old cookie, as a stolen copy would: the server must refuse it.
    expect(rep.cookie).toBe(cookie);
    expect((await rep.get('/api/auth/me')).status).toBe(401);
    expect((await rep.get('/api/orders')).status).toBe(401);
    // Other sessions stay signed in.
    expect((await t.admin.get('/api/auth/me')).status).toBe(200);
  });

  it('every /api route except login and health answers 401 without a session', async () => {
    const routes = t.app.declaredRoutes;
    expect(routes.length).toBeGreaterThan(20);
    const open = routes.filter((r) => r.access === 'public').map((r) => `${r.method} ${r.url}`);
    expect(open.sort()).toEqual(['GET /api/health', 'POST /api/auth/login']);
    const anonymous = t.anonymous();
    const forged = t.anonymous();
    forged.cookie = 'orderly_session=forged-session-value';
    forged.csrf = 'forged';
    const failures: string[] = [];
    for (const route of routes.filter((r) => r.access !== 'public')) {
      const url = concreteUrl(route.url);
      const body = route.method === 'GET' || route.method === 'DELETE' ? undefined : {};
      for (const [who, client] of [['anonymous', anonymous], ['forged cookie', forged]] as const) {
        const res = await client.request(route.method, url, body);
        if (res.status !== 401 || !String(res.headers['content-type']).includes('application/problem+json')) failures.push(`${who} ${route.method} ${url} → ${res.status}`);
      }
    }
    expect(failures).toEqual([]);
    expect((await anonymous.get('/api/health')).status).toBe(200);
  });

  it('a write with the session cookie but without X-CSRF-Token is 403 and changes nothing', async () => {
    const rep = await t.userWithRoles('rep_csrf_check', ['sales_rep']);
    const csrf = rep.csrf!;
    rep.csrf = undefined;
    const missing = await rep.post('/api/customers', { name: 'CSRF Victim Ltd' });
    expect(missing.status).toBe(403);
    expect(missing.headers['content-type']).toContain('application/problem+json');
    expect(missing.body.detail).toMatch(/CSRF/);
    const wrong = await rep.post('/api/customers', { name: 'CSRF Victim Ltd' }, { 'x-csrf-token': t.admin.csrf! });
    expect(wrong.status).toBe(403);
    expect((await rep.post('/api/auth/logout')).status).toBe(403);
    // Reads need no CSRF header, and nothing was written.
    const search = await rep.get(`/api/customers?q=${encodeURIComponent('CSRF Victim')}`);
    expect(search.status).toBe(200);
    expect(search.body.items).toEqual([]);
    rep.csrf = csrf;
    expect((await rep.post('/api/customers', { name: 'CSRF Victim Ltd' })).status).toBe(201);
  });

  it('an API token is shown once, works as a bearer without CSRF, and stops at revocation', async () => {
    const created = await t.admin.post('/api/tokens', { name: 'ERP import' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.stringMatching(/^\d+$/), name: 'ERP import', token: expect.any(String) });
    const token: string = created.body.token;
    expect(token.length).toBeGreaterThanOrEqual(32);

    const listed = await t.admin.get('/api/tokens');
    expect(listed.status).toBe(200);
    const entry = listed.body.items.find((i: { id: string }) => i.id === created.body.id);
    expect(entry).toMatchObject({ name: 'ERP import', revokedAt: null });
    expect(JSON.stringify(listed.body)).not.toContain(token);

    const bot = t.anonymous();
    bot.bearer = token;
    const me = await bot.get('/api/auth/me');
    expect(me.status).toBe(200);
    expect(me.body.username).toBe('admin');
    expect(me.body.csrfToken).toBeNull();
    const write = await bot.post('/api/customers', { name: 'Bearer Buyer Co' });
    expect(write.status).toBe(201);
    expect(bot.csrf).toBeUndefined();

    expect((await t.admin.delete(`/api/tokens/${created.body.id}`)).status).toBe(204);
    const afterRevoke = await bot.get('/api/auth/me');
    expect(afterRevoke.status).toBe(401);
    expect(afterRevoke.headers['content-type']).toContain('application/problem+json');
    expect((await bot.post('/api/customers', { name: 'Too Late Co' })).status).toBe(401);
    const revoked = (await t.admin.get('/api/tokens')).body.items.find((i: { id: string }) => i.id === created.body.id);
    expect(revoked.revokedAt).toEqual(expect.any(String));

    const stranger = t.anonymous();
    stranger.bearer = `${token}x`;
    expect((await stranger.get('/api/auth/me')).status).toBe(401);
  });

  it('a token name is required', async () => {
    const res = await t.admin.post('/api/tokens', { name: '  ' });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain('name');
  });
});
