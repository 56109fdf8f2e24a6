import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ADMIN_PASSWORD, createTestDatabase, DIALECTS, type TestDatabase } from '../../../../test/helpers.js';
import { connect, type Db } from '../../db/connect.js';
import { WriteWatch } from '../../db/write-watch.js';
import { authenticateSession, authenticateToken, createToken, login, logout, revokeToken } from './auth.service.js';
import { SessionCache, sessionCacheOf, startSessionCache } from './session-cache.js';

const meta = { ip: '127.0.0.1', userAgent: 'test', requestId: null };
const policy = { sessionHours: 8, lockoutFailures: 10, lockoutMinutes: 15 };
const IDLE_MINUTES = 30;

describe('the session cache itself', () => {
  const session = { credential: { kind: 'session' as const, id: 'h' }, userId: 1, username: 'a', disabled: false, mustChangePassword: false, csrfToken: 'c', expiresAt: '2999-01-01', lastSeenAt: '2026-01-01', permissions: {} };

  it('keeps nothing until it listens and has heard its own ping, and nothing read before an announcement', () => {
    const cache = new SessionCache(new WriteWatch());
    cache.keep('h', session, cache.stamp());
    expect(cache.get('h')).toBeUndefined();
    cache.setListening(true);
    cache.keep('h', session, cache.stamp());
    expect(cache.get('h')).toBeUndefined();
    cache.heard('ping someone-else');
    expect(cache.usable).toBe(false);
    cache.heard(cache.ping);
    const before = cache.stamp();
    cache.heard('');
    cache.keep('h', session, before);
    expect(cache.get('h')).toBeUndefined();
    cache.keep('h', session, cache.stamp());
    expect(cache.get('h')).toBe(session);
    // Another instance's ping changes nothing.
    cache.heard('ping someone-else');
    expect(cache.get('h')).toBe(session);
    cache.setListening(false);
    expect(cache.get('h')).toBeUndefined();
  });

  it('stops trusting a listener that has not heard its own ping for 30 seconds', () => {
    vi.useFakeTimers();
    try {
      const cache = new SessionCache(new WriteWatch());
      cache.setListening(true);
      cache.heard(cache.ping);
      cache.keep('h', session, cache.stamp());
      vi.advanceTimersByTime(29_000);
      expect(cache.get('h')).toBe(session);
      vi.advanceTimersByTime(2_000);
      expect(cache.usable).toBe(false);
      expect(cache.get('h')).toBeUndefined();
      // Heard again: usable, but what was kept before the lapse is gone.
      cache.heard(cache.ping);
      expect(cache.usable).toBe(true);
      expect(cache.get('h')).toBeUndefined();
      cache.keep('h', session, cache.stamp());
      cache.heard(cache.ping);
      expect(cache.get('h')).toBe(session);
    } finally {
      vi.useRealTimers();
    }
  });
});

/*
 * Two instances on one PostgreSQL: each its own pool, its own cache and its own LISTEN connection, as two
 * Orderly processes behind a load balancer. SQLite keeps no sessions (one process per file, nothing to save).
 */
describe.each(DIALECTS.filter((d) => d === 'postgres'))('sessions kept per instance (%s)', (dialect) => {
  let db: TestDatabase;
  let here: Db;
  let there: Db;
  const stops: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    here = db.ctx;
    there = connect(db.config.database);
    for (const ctx of [here, there]) {
      const running = startSessionCache(ctx)!;
      await running.ready;
      stops.push(running.close);
    }
  });
  afterAll(async () => {
    for (const stop of stops) await stop();
    await there.close();
    await db.drop();
  });

  const cacheOf = (ctx: Db) => sessionCacheOf(ctx.kysely)!;
  const signIn = async () => (await login(here, { username: 'admin', password: ADMIN_PASSWORD }, meta, policy)).sessionToken;
  const check = (ctx: Db, token: string) => authenticateSession(ctx, token, meta, IDLE_MINUTES);
  /** Uses the session on `ctx` until that instance holds it (its first read may race an earlier announcement). */
  async function held(ctx: Db, token: string) {
    await expect.poll(async () => {
      const hits = cacheOf(ctx).hits;
      await check(ctx, token);
      return cacheOf(ctx).hits > hits;
    }).toBe(true);
  }
  /** Waits until `ctx` has dropped what it kept since `stamp` (an announcement arrived). */
  const heard = (ctx: Db, stamp: number) => expect.poll(() => cacheOf(ctx).stamp()).toBeGreaterThan(stamp);

  it('admits a session it read without reading it again, with the same answer', async () => {
    const token = await signIn();
    const first = await check(there, token);
    await held(there, token);
    const again = await check(there, token);
    expect(again?.actor.userId).toBe(first?.actor.userId);
    expect(again?.actor.permissions).toEqual(first?.actor.permissions);
    expect(again?.csrfToken).toBe(first?.csrfToken);
  });

  it('a sign-out on one instance ends the session on the other', async () => {
    const token = await signIn();
    await held(there, token);
    const stamp = cacheOf(there).stamp();
    const auth = (await check(here, token))!;
    await logout(here, auth.actor, token);
    await heard(there, stamp);
    expect(await check(there, token)).toBeNull();
  });

  it('a user disabled, or a role re-granted, on one instance is what the other decides with', async () => {
    const token = await signIn();
    const admin = (await check(here, token))!;
    expect(admin.actor.permissions['users.manage']).toBeTruthy();
    await held(there, token);
    const { grants } = await here.kysely.selectFrom('roles').select('grants').where('name', '=', 'admin').executeTakeFirstOrThrow();

    let stamp = cacheOf(there).stamp();
    await sql`update roles set grants = '["orders.read:all"]' where name = 'admin'`.execute(here.kysely);
    await heard(there, stamp);
    const regranted = (await check(there, token))!;
    expect(regranted.actor.permissions['users.manage']).toBeUndefined();
    expect(regranted.actor.permissions['orders.read']).toBe('all');

    await held(there, token);
    stamp = cacheOf(there).stamp();
    await sql`update users set disabled = 1 where username = 'admin'`.execute(here.kysely);
    await heard(there, stamp);
    expect(await check(there, token)).toBeNull();
    await sql`update users set disabled = 0 where username = 'admin'`.execute(here.kysely);
    await here.kysely.updateTable('roles').set({ grants }).where('name', '=', 'admin').execute();
  });

  it("does not use what it keeps while its own write is open, and sees that write at its commit, unannounced", async () => {
    const token = await signIn();
    await held(there, token);
    const misses = cacheOf(there).misses;
    await there.kysely.transaction().execute(async (trx) => {
      await trx.updateTable('users').set({ must_change_password: 1 }).where('username', '=', 'admin').execute();
      expect(cacheOf(there).usable).toBe(false);
      // Read on another connection: the committed rows, not this transaction's.
      expect((await check(there, token))?.mustChangePassword).toBe(false);
      expect(cacheOf(there).misses).toBe(misses + 1);
    });
    expect(cacheOf(there).usable).toBe(true);
    expect((await check(there, token))?.mustChangePassword).toBe(true);
    await there.kysely.updateTable('users').set({ must_change_password: 0 }).where('username', '=', 'admin').execute();
    expect((await check(there, token))?.mustChangePassword).toBe(false);
  });

  it('a session moved back past the idle limit is refused at once, though the touch itself is not announced', async () => {
    const token = await signIn();
    await held(there, token);
    const stamp = cacheOf(here).stamp();
    await sql`update sessions set last_seen_at = ${new Date(Date.now() - (IDLE_MINUTES + 1) * 60_000).toISOString()}`.execute(there.kysely);
    await heard(here, stamp);
    expect(await check(there, token)).toBeNull();
  });

  it('an API token revoked on one instance is refused on the other; its use is touched once a minute, unannounced', async () => {
    const admin = (await check(here, await signIn()))!;
    const created = await createToken(here, admin.actor, 'integration');
    const byToken = () => authenticateToken(there, created.token, meta);
    await expect.poll(async () => {
      const hits = cacheOf(there).hits;
      expect((await byToken())?.actor.type).toBe('token');
      return cacheOf(there).hits > hits;
    }).toBe(true);
    const used = await here.kysely.selectFrom('api_tokens').select('last_used_at').where('id', '=', Number(created.id)).executeTakeFirstOrThrow();
    expect(used.last_used_at).not.toBeNull();
    const stamp = cacheOf(there).stamp();
    await revokeToken(here, admin.actor, Number(created.id));
    await heard(there, stamp);
    expect(await byToken()).toBeNull();
  });

  it('keeps nothing while its LISTEN connection is down, and keeps again once it is back', async () => {
    const token = await signIn();
    await held(there, token);
    const cache = cacheOf(there);
    // Ends both instances' listeners (the database restarting would do the same).
    await sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query like 'listen %orderly_sign_in%'`.execute(here.kysely);
    await expect.poll(() => cache.usable).toBe(false);
    const hits = cache.hits;
    await check(there, token);
    await check(there, token);
    expect(cache.hits).toBe(hits);
    await expect.poll(() => cache.usable, { timeout: 10_000 }).toBe(true);
    await held(there, token);
  });
});
