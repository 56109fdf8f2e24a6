import type { Kysely } from 'kysely';
import { randomUUID } from 'node:crypto';
import type { PermissionMap } from '../../../contracts/permissions.js';
import type { Ctx } from '../../db/context.js';
import { listenToPeers, notifyPeers } from '../../db/pubsub.js';
import type { DB } from '../../db/schema.js';
import type { WriteWatch } from '../../db/write-watch.js';
import { sessionLookups } from '../../platform/metrics.js';

/** The channel migration 0033's triggers notify on. */
export const SIGN_IN_CHANNEL = 'orderly_sign_in';

/** What a session's or an API token's sign-in query decides with, as it read. */
export interface SignIn {
  credential: { kind: 'session' | 'token'; id: string };
  userId: number;
  username: string;
  disabled: boolean;
  mustChangePassword: boolean;
  /** Sessions only. */
  csrfToken: string | null;
  /** Null for a token: it lasts until revoked. */
  expiresAt: string | null;
  /** The last touch this process knows of (the database's, or its own since); '' for a token never used. */
  lastSeenAt: string;
  permissions: Readonly<PermissionMap>;
}

const keptLookup = sessionLookups.labels('kept');
const databaseLookup = sessionLookups.labels('database');

/** A bound on memory, far above the sessions one instance serves in a minute; reaching it starts afresh. */
const MAX_SESSIONS = 20_000;
/** How often each instance announces a ping of its own, and how long one heard vouches for its listener. */
const PING_EVERY_MS = 10_000;
const PING_VOUCHES_MS = 30_000;

/**
 * PostgreSQL: the sign-in rows of the sessions and API tokens this process served lately, so a request does not
 * spend a round trip (10–34 % of a read's CPU, server and database together, bench/README.md) reading rows that
 * rarely change.
 *
 * Kept only while nothing can make them wrong unnoticed:
 * - whatever changes them, on any instance, is announced at its commit by the database (migration 0033), and
 *   everything kept is dropped;
 * - while the connection that hears those announcements is down (or not yet listening), nothing is kept or used,
 *   and what was kept before is dropped when it is back;
 * - nor unless it has heard its own ping (a NOTIFY it sends every 10 s) within 30 s: a LISTEN that is in place but
 *   hears nothing — a connection pooler in transaction mode between the instance and the database, a stalled
 *   socket — turns the cache off instead of leaving it trusting silence;
 * - this process's own writes to those tables are seen as they run (db/write-watch.ts): nothing is used while one
 *   is open, and everything is dropped when its transaction ends, before the request that wrote answers;
 * - a read that raced with an announcement is not kept (`version`);
 * - an entry is used only while its session or token needs no touch (used in the last minute): after that the
 *   request reads the database, so no entry outlives the minute after it was read even if an announcement went
 *   missing.
 * Between another instance's commit and this one hearing of it lies the time a NOTIFY takes to arrive (well under
 * a millisecond on one host), as with a request already running when a session is revoked.
 */
export class SessionCache {
  private readonly sessions = new Map<string, SignIn>();
  private version = 0;
  private listening = false;
  /** When this instance last heard its own ping (0: not since it began listening). */
  private heardAt = 0;
  private readonly stopWatching: () => void;
  /** This instance's ping, as announced on the channel. */
  readonly ping = `ping ${randomUUID()}`;
  hits = 0;
  misses = 0;

  constructor(private readonly writes: WriteWatch) {
    this.stopWatching = writes.onChange(() => this.dropAll());
  }

  /** Whether entries may be kept and used now. */
  get usable(): boolean {
    return this.listening && this.writes.quiet && Date.now() - this.heardAt < PING_VOUCHES_MS;
  }

  /**
   * What the channel said: a ping (this instance's own vouches for its listener), or a change. A ping after a lapse
   * starts afresh: what was kept before it was kept by a listener nobody vouched for in between.
   */
  heard(payload: string): void {
    if (payload === this.ping) {
      const now = Date.now();
      if (now - this.heardAt >= PING_VOUCHES_MS) this.dropAll();
      this.heardAt = now;
    } else if (!payload.startsWith('ping ')) {
      this.dropAll();
    }
  }

  /** Taken before reading the database; `keep` refuses the read if anything was dropped since. */
  stamp(): number {
    return this.version;
  }

  /** `key`: the session's hash, or the token's as `token:<hash>`. */
  get(key: string): SignIn | undefined {
    const session = this.usable ? this.sessions.get(key) : undefined;
    if (session) {
      this.hits += 1;
      keptLookup.inc();
    } else {
      this.misses += 1;
      databaseLookup.inc();
    }
    return session;
  }

  keep(key: string, session: SignIn, stamp: number): void {
    if (!this.usable || stamp !== this.version) return;
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.clear();
    this.sessions.set(key, session);
  }

  forget(key: string): void {
    this.sessions.delete(key);
  }

  dropAll(): void {
    this.version += 1;
    this.sessions.clear();
  }

  setListening(listening: boolean): void {
    this.listening = listening;
    this.heardAt = 0;
    this.dropAll();
  }

  /** Nothing is kept or used any more; dropping the listener is the caller's. */
  stop(): void {
    this.setListening(false);
    this.stopWatching();
  }
}

interface Running {
  cache: SessionCache;
  ready: Promise<void>;
  users: number;
  stop: () => Promise<void>;
}
const caches = new WeakMap<Kysely<DB>, Running>();

/** The cache of the app serving `db`, if one is running (never on SQLite, nor in practice workspaces). */
export function sessionCacheOf(db: Kysely<DB>): SessionCache | undefined {
  return caches.get(db)?.cache;
}

/**
 * Starts keeping sessions for `ctx` until the returned close(); null where nothing is kept (SQLite). `ready` once
 * the first ping came back. Apps built on the same connection (tests) share one cache; the last to close stops it.
 */
export function startSessionCache(ctx: Ctx, onError?: (error: unknown) => void): { ready: Promise<void>; close: () => Promise<void> } | null {
  if (!ctx.signInWrites) return null;
  let running = caches.get(ctx.kysely);
  if (!running) {
    const cache = new SessionCache(ctx.signInWrites);
    const sendPing = () => notifyPeers(ctx, SIGN_IN_CHANNEL, cache.ping).catch((error: unknown) => onError?.(error));
    let vouched: () => void = () => undefined;
    const firstPing = new Promise<void>((resolve) => (vouched = resolve));
    const subscription = listenToPeers(
      ctx,
      SIGN_IN_CHANNEL,
      (payload) => {
        cache.heard(payload);
        if (payload === cache.ping) vouched();
      },
      onError,
      (listening) => {
        cache.setListening(listening);
        if (listening) void sendPing();
      },
    );
    if (!subscription) return null;
    const pinger = setInterval(() => void sendPing(), PING_EVERY_MS).unref();
    running = {
      cache,
      ready: subscription.ready.then(() => firstPing),
      users: 0,
      stop: async () => {
        caches.delete(ctx.kysely);
        clearInterval(pinger);
        cache.stop();
        await subscription.close();
      },
    };
    caches.set(ctx.kysely, running);
  }
  const shared = running;
  shared.users += 1;
  let closed = false;
  return {
    ready: shared.ready,
    close: async () => {
      if (closed) return;
      closed = true;
      shared.users -= 1;
      if (shared.users === 0) await shared.stop();
    },
  };
}
