import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, DIALECTS, type TestApp } from '../../../../test/helpers.js';
import { buildApp } from '../../app.js';
import type { Config } from '../../config.js';
import { csrfTokenMatches } from '../../platform/access.js';
import { isoPlus, nowIso } from '../../platform/clock.js';
import type { App } from '../../platform/http.js';

const passwordOf = (username: string) => `${username}-password-1`;

describe.each(DIALECTS)('sign-in lockout, throttling, sessions and headers (%s)', (dialect) => {
  let t: TestApp;
  const extraApps: App[] = [];
  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(async () => {
    for (const app of extraApps) await app.close();
    await t?.close();
  });

  /** Another server over the same database with other settings; its sign-in brakes start empty. */
  async function appWith(overrides: Partial<Omit<Config, 'login'>> & { login?: Partial<Config['login']> } = {}): Promise<App> {
    const { login, ...rest } = overrides;
    const app = await buildApp({ ...t.db.config, ...rest, login: { ...t.db.config.login, ...login } }, t.db.ctx, { logger: false });
    await app.ready();
    extraApps.push(app);
    return app;
  }

  async function createUser(username: string, roles = ['sales_rep']): Promise<string> {
    const res = await t.admin.post('/api/users', { username, password: passwordOf(username), roles });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  const signIn = (app: App, username: string, password: string, options: { from?: string; headers?: Record<string, string> } = {}) =>
    app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password }, remoteAddress: options.from ?? '127.0.0.1', headers: options.headers });

  async function auditOf(action: string, userId: string) {
    const res = await t.admin.get(`/api/audit?action=${action}&entityType=user&entityId=${userId}&limit=200`);
    expect(res.status).toBe(200);
    return res.body.items as Array<{ ip: string | null; diff: { why?: string; lockedUntil?: string } | null }>;
  }

  const lockedUntilOf = async (username: string) =>
    (await t.db.ctx.kysely.selectFrom('users').select('locked_until').where('username', '=', username).executeTakeFirstOrThrow()).locked_until;

  it('30 simultaneous wrong passwords lock the account: every failure is counted', async () => {
    const id = await createUser('racer');
    const attacker = '198.51.100.30';
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => signIn(t.app, 'racer', `wrong-password-${i}`, { from: attacker })));
    expect(answers.map((a) => a.statusCode)).toEqual(Array(30).fill(401));
    expect((await lockedUntilOf('racer'))! > nowIso()).toBe(true);
    // Locked: the right password is refused too, from any address, with the same answer as a wrong one.
    const right = await signIn(t.app, 'racer', passwordOf('racer'), { from: '192.0.2.31' });
    expect(right.statusCode).toBe(401);
    expect(right.json().detail).toBe(answers[0].json().detail);
    const failures = await auditOf('auth.login_failed', id);
    expect(failures.filter((f) => f.diff?.why === 'wrong_password')).toHaveLength(30);
    // One failure, the one that reached the threshold, locked it.
    expect(failures.filter((f) => f.diff?.lockedUntil)).toHaveLength(1);
    // An admin's password reset lifts the lock.
    expect((await t.admin.patch(`/api/users/${id}`, { password: 'a-brand-new-password' })).status).toBe(200);
    expect((await signIn(t.app, 'racer', 'a-brand-new-password', { from: '192.0.2.31' })).statusCode).toBe(200);
  });

  it('from one address, failed sign-ins lock a user exactly at the configured threshold', async () => {
    const app = await appWith({ login: { lockoutFailures: 5 } });
    await createUser('nearly');
    const lockedId = await createUser('threshold');
    const from = '198.51.100.40';
    for (let i = 0; i < 4; i++) expect((await signIn(app, 'nearly', `wrong-${i}`, { from })).statusCode).toBe(401);
    expect((await signIn(app, 'nearly', passwordOf('nearly'), { from })).statusCode).toBe(200);
    for (let i = 0; i < 5; i++) expect((await signIn(app, 'threshold', `wrong-${i}`, { from })).statusCode).toBe(401);
    expect((await signIn(app, 'threshold', passwordOf('threshold'), { from })).statusCode).toBe(401);
    expect((await lockedUntilOf('threshold'))! > nowIso()).toBe(true);
    const failures = await auditOf('auth.login_failed', lockedId);
    expect(failures.map((f) => f.diff?.why)).toEqual(['locked', ...Array(5).fill('wrong_password')]);
    // Newest first: the fifth wrong password is the one that locked.
    expect(failures[1].diff?.lockedUntil).toEqual(expect.any(String));
    expect(failures.slice(2).every((f) => !f.diff?.lockedUntil)).toBe(true);
  });

  it('one attacking address is refused (429) before it can lock more than a few accounts', async () => {
    const app = await appWith({ login: { lockoutFailures: 10, failuresPerAddress: 30 } });
    const victims = ['victim1', 'victim2', 'victim3', 'victim4', 'victim5'];
    for (const v of victims) await createUser(v);
    const attacker = '203.0.113.66';
    const statuses: number[] = [];
    let throttled: Awaited<ReturnType<typeof signIn>> | undefined;
    for (const v of victims) {
      for (let i = 0; i < 10; i++) {
        const res = await signIn(app, v, `guess-${i}`, { from: attacker });
        statuses.push(res.statusCode);
        if (res.statusCode === 429) throttled = res;
      }
    }
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(401));
    expect(statuses.slice(30)).toEqual(Array(20).fill(429));
    expect(throttled!.headers['content-type']).toContain('application/problem+json');
    expect(Number(throttled!.headers['retry-after'])).toBeGreaterThan(0);
    // Even the right password is refused from that address for now …
    expect((await signIn(app, 'victim5', passwordOf('victim5'), { from: attacker })).statusCode).toBe(429);
    // … while the accounts it did not reach sign in from anywhere else, and only three are locked.
    expect((await signIn(app, 'victim4', passwordOf('victim4'), { from: '192.0.2.4' })).statusCode).toBe(200);
    expect((await signIn(app, 'victim5', passwordOf('victim5'), { from: '192.0.2.5' })).statusCode).toBe(200);
    for (const v of victims.slice(0, 3)) expect((await lockedUntilOf(v))! > nowIso()).toBe(true);
  });

  it('200 successful sign-ins of 40 users from one address all succeed: successes are not throttled', async () => {
    const app = await appWith();
    const users = Array.from({ length: 40 }, (_, i) => `office${i}`);
    for (const u of users) await createUser(u);
    const office = '192.0.2.200';
    const statuses: number[] = [];
    for (let round = 0; round < 10; round++) {
      const batch = await Promise.all(Array.from({ length: 20 }, (_, i) => signIn(app, users[(round * 20 + i) % 40], passwordOf(users[(round * 20 + i) % 40]), { from: office })));
      statuses.push(...batch.map((r) => r.statusCode));
    }
    expect(statuses).toHaveLength(200);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  });

  it('failures for one username are braked across addresses, unknown usernames included', async () => {
    const app = await appWith({ login: { failuresPerUsername: 4, failuresPerAddress: 100, lockoutFailures: 50 } });
    await createUser('spread');
    for (const name of ['spread', 'no_such_person']) {
      for (let i = 0; i < 4; i++) expect((await signIn(app, name, `wrong-${i}`, { from: `198.51.100.${100 + i}` })).statusCode).toBe(401);
      expect((await signIn(app, name, 'wrong-again', { from: '198.51.100.120' })).statusCode).toBe(429);
    }
    // The brake is per username: a colleague on the same addresses is unaffected.
    await createUser('colleague');
    expect((await signIn(app, 'colleague', passwordOf('colleague'), { from: '198.51.100.100' })).statusCode).toBe(200);
  });

  it('behind a trusted proxy the forwarded client address is throttled and audited', async () => {
    const app = await appWith({ trustProxy: ['127.0.0.1'], login: { failuresPerAddress: 5, lockoutFailures: 50 } });
    const id = await createUser('proxied');
    const viaProxy = (client: string) => ({ from: '127.0.0.1', headers: { 'x-forwarded-for': client } });
    for (let i = 0; i < 5; i++) expect((await signIn(app, 'proxied', `wrong-${i}`, viaProxy('203.0.113.7'))).statusCode).toBe(401);
    expect((await signIn(app, 'proxied', passwordOf('proxied'), viaProxy('203.0.113.7'))).statusCode).toBe(429);
    // Another client behind the same proxy is a different address.
    expect((await signIn(app, 'proxied', passwordOf('proxied'), viaProxy('198.51.100.2'))).statusCode).toBe(200);
    const failures = await auditOf('auth.login_failed', id);
    expect(failures.map((f) => f.ip)).toEqual(Array(5).fill('203.0.113.7'));
    expect((await auditOf('auth.login', id)).map((e) => e.ip)).toContain('198.51.100.2');
  });

  it('without a trusted proxy, X-Forwarded-For is ignored: rotating it does not escape the brake', async () => {
    const app = await appWith({ trustProxy: false, login: { failuresPerAddress: 5, lockoutFailures: 50 } });
    const id = await createUser('direct');
    for (let i = 0; i < 5; i++) {
      const res = await signIn(app, 'direct', `wrong-${i}`, { from: '192.0.2.99', headers: { 'x-forwarded-for': `10.0.0.${i}` } });
      expect(res.statusCode).toBe(401);
    }
    expect((await signIn(app, 'direct', 'wrong-5', { from: '192.0.2.99', headers: { 'x-forwarded-for': '10.0.0.77' } })).statusCode).toBe(429);
    expect((await auditOf('auth.login_failed', id)).map((f) => f.ip)).toEqual(Array(5).fill('192.0.2.99'));
  });

  it('a session ends after the idle timeout, and use keeps it alive', async () => {
    const rep = await t.userWithRoles('idle_rep', ['sales_rep']);
    const sessionOf = () => t.db.ctx.kysely.selectFrom('sessions').innerJoin('users', 'users.id', 'sessions.user_id').select(['sessions.id', 'sessions.last_seen_at']).where('users.username', '=', 'idle_rep');
    const [session] = await sessionOf().execute();
    expect(session.last_seen_at).toEqual(expect.any(String));
    // Seen five minutes ago (well within the idle limit): still valid, and this request counts as activity.
    const fiveMinutesAgo = isoPlus(nowIso(), -5 * 60_000);
    await t.db.ctx.kysely.updateTable('sessions').set({ last_seen_at: fiveMinutesAgo, created_at: isoPlus(nowIso(), -6 * 3_600_000) }).where('id', '=', session.id).execute();
    expect((await rep.get('/api/auth/me')).status).toBe(200);
    const [touched] = await sessionOf().execute();
    expect(touched.last_seen_at! > fiveMinutesAgo).toBe(true);
    // Idle for longer than the limit: refused, though its absolute expiry is hours away.
    const idleMinutes = t.db.config.sessionIdleMinutes;
    await t.db.ctx.kysely.updateTable('sessions').set({ last_seen_at: isoPlus(nowIso(), -(idleMinutes + 1) * 60_000) }).where('id', '=', session.id).execute();
    const res = await rep.get('/api/auth/me');
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });

  it('every API answer says Cache-Control: no-store, successes and errors alike', async () => {
    const answers = [
      await t.admin.get('/api/auth/me'),
      await t.admin.get('/api/orders'),
      await t.anonymous().get('/api/auth/me'),
      await t.admin.post('/api/customers', {}),
      await t.admin.get('/api/no-such-route'),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 401, 400, 404]);
    for (const a of answers) expect(a.headers['cache-control']).toBe('no-store');
    const login = await signIn(t.app, 'admin', 'wrong-for-headers', { from: '192.0.2.77' });
    expect(login.headers['cache-control']).toBe('no-store');
  });

  it('sends the security headers on API answers', async () => {
    const res = await t.admin.get('/api/auth/me');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('serves the OpenAPI description and UI to signed-in users only, unless the setting publishes it', async () => {
    for (const url of ['/api/docs/json', '/api/docs']) {
      const anonymous = await t.anonymous().get(url);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers['content-type']).toContain('application/problem+json');
    }
    const signedIn = await t.admin.get('/api/docs/json');
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.openapi).toMatch(/^3\./);
    expect((await t.admin.get('/api/docs')).status).toBeLessThan(400);
    const published = await appWith({ publicApiDocs: true });
    const open = await published.inject({ method: 'GET', url: '/api/docs/json' });
    expect(open.statusCode).toBe(200);
    expect(open.json().openapi).toMatch(/^3\./);
  });
});

describe('CSRF token comparison', () => {
  it('matches only the exact token, whatever the lengths', () => {
    const token = 'Abc123_-xyzXYZ0123456789abcdefghijklmnop';
    expect(csrfTokenMatches(token, token)).toBe(true);
    expect(csrfTokenMatches(`${token}x`, token)).toBe(false);
    expect(csrfTokenMatches(token.slice(0, -1), token)).toBe(false);
    expect(csrfTokenMatches(`${token.slice(0, -1)}Q`, token)).toBe(false);
    expect(csrfTokenMatches('', token)).toBe(false);
    expect(csrfTokenMatches(undefined, token)).toBe(false);
    expect(csrfTokenMatches([token, token], token)).toBe(false);
  });
});
