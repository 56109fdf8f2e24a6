import { CompiledQuery, sql, type Compilable, type Kysely, type Transaction } from 'kysely';
import { createHash, randomBytes } from 'node:crypto';
import type { LoginInput, Me } from '../../../contracts/auth.js';
import { mergeGrants, type PermissionMap } from '../../../contracts/permissions.js';
import { keepPrepared } from '../../db/connect.js';
import type { Ctx } from '../../db/context.js';
import type { DB } from '../../db/schema.js';
import { notASignInChange } from '../../db/write-watch.js';
import type { Authenticated, Authenticator, RequestMeta } from '../../platform/access.js';
import type { Actor } from '../../platform/actor.js';
import { recordAudit } from '../../platform/audit.js';
import { isoPlus, nowIso } from '../../platform/clock.js';
import { AppError, notFound } from '../../platform/errors.js';
import { accessOf } from '../users/roles.queries.js';
import { dummyPasswordHash, verifyPassword } from './passwords.js';
import { sessionCacheOf, type SignIn } from './session-cache.js';

export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const newSecret = () => randomBytes(32).toString('base64url');


/** One message for every failure, so a caller cannot tell a wrong password from an unknown user. */
const badCredentials = () => new AppError('unauthenticated', 'Wrong username or password, or the account is temporarily locked');

/** The account lockout: this many wrong passwords in a row lock the account for lockoutMinutes. */
export interface LoginPolicy {
  sessionHours: number;
  lockoutFailures: number;
  lockoutMinutes: number;
}

export async function login(
  ctx: Ctx,
  input: LoginInput,
  meta: RequestMeta,
  policy: LoginPolicy,
): Promise<{ sessionToken: string; csrfToken: string; me: Me }> {
  const user = await ctx.kysely.selectFrom('users').selectAll().where('username', '=', input.username).executeTakeFirst();
  const now = nowIso();
  const ok = await verifyPassword(user?.password_hash ?? (await dummyPasswordHash()), input.password);
  const locked = user?.locked_until != null && user.locked_until > now;
  const anonymous: Actor = { type: 'user', userId: user?.id ?? null, name: input.username, permissions: {}, ...meta };

  if (!user || !ok || locked || user.disabled === 1) {
    await ctx.kysely.transaction().execute(async (trx) => {
      const lockedUntil = user && !ok && !locked ? await countFailedLogin(trx, user.id, now, policy) : null;
      const why = !user ? 'unknown_user' : locked ? 'locked' : user.disabled === 1 ? 'disabled' : 'wrong_password';
      await recordAudit(trx, ctx.dialect, anonymous, {
        action: 'auth.login_failed',
        entityType: 'user',
        entityId: user?.id ?? null,
        entityLabel: input.username,
        diff: { why, ...(lockedUntil ? { lockedUntil } : {}) },
      });
    });
    throw badCredentials();
  }

  const sessionToken = newSecret();
  const csrfToken = newSecret();
  await ctx.kysely.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ failed_logins: 0, locked_until: null }).where('id', '=', user.id).execute();
    await trx
      .insertInto('sessions')
      .values({ id: sha256(sessionToken), user_id: user.id, csrf_token: csrfToken, created_at: now, expires_at: isoPlus(now, policy.sessionHours * 3_600_000), last_seen_at: now, ip: meta.ip, user_agent: meta.userAgent })
      .execute();
    await trx.deleteFrom('sessions').where('expires_at', '<', now).execute();
    await recordAudit(trx, ctx.dialect, anonymous, { action: 'auth.login', entityType: 'user', entityId: user.id, entityLabel: user.username });
  });
  const access = await accessOf(ctx.kysely, user.id);
  return {
    sessionToken,
    csrfToken,
    me: { id: String(user.id), username: user.username, displayName: user.display_name, ...access, csrfToken, ...personal(user) },
  };
}

/**
 * Counts one wrong password in a single UPDATE, so simultaneous failures all count (reading the count and
 * writing it back lost most of them). The failure that reaches the threshold locks the account and starts the
 * count afresh; failures that land while it is locked are not counted. Returns the lock's end when this
 * failure locked the account, read from the row the UPDATE returned rather than from an earlier read.
 */
export async function countFailedLogin(trx: Transaction<DB>, userId: number, now: string, policy: LoginPolicy): Promise<string | null> {
  const lockUntil = isoPlus(now, policy.lockoutMinutes * 60_000);
  const reachesThreshold = sql<boolean>`failed_logins + 1 >= ${policy.lockoutFailures}`;
  const row = await trx
    .updateTable('users')
    .set({
      failed_logins: sql<number>`case when ${reachesThreshold} then 0 else failed_logins + 1 end`,
      locked_until: sql<string | null>`case when ${reachesThreshold} then ${lockUntil} else locked_until end`,
    })
    .where('id', '=', userId)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
    .returning(['locked_until'])
    .executeTakeFirst();
  return row?.locked_until === lockUntil ? lockUntil : null;
}

export async function logout(ctx: Ctx, actor: Actor, sessionToken: string): Promise<void> {
  await ctx.kysely.transaction().execute(async (trx) => {
    await trx.deleteFrom('sessions').where('id', '=', sha256(sessionToken)).execute();
    await recordAudit(trx, ctx.dialect, actor, { action: 'auth.logout', entityType: 'user', entityId: actor.userId, entityLabel: actor.name });
  });
}


/**
 * Grants of every role the user holds, as read in the same query as the session: one round trip per request.
 * Parsing and merging them was a few percent of a list request's CPU, so the merged map is kept per distinct
 * set of grants (frozen: every caller with the same roles shares it); a role's changed grants are a new key.
 */
const mergedGrants = new Map<string, Readonly<PermissionMap>>();
function permissionsFrom(rows: Array<{ grants: string | null }>): PermissionMap {
  const key = rows.map((r) => r.grants ?? '').join('\n');
  let merged = mergedGrants.get(key);
  if (!merged) {
    merged = Object.freeze(mergeGrants(rows.flatMap((r) => (r.grants ? (JSON.parse(r.grants) as string[]) : []))));
    // Custom roles are few; a bound keeps a pathological number of combinations from growing the map for ever.
    if (mergedGrants.size >= 1_000) mergedGrants.clear();
    mergedGrants.set(key, merged);
  }
  return merged;
}

const sessionQuery = (db: Kysely<DB>, tokenHash: string) =>
  db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .leftJoin('user_roles', 'user_roles.user_id', 'users.id')
    .leftJoin('roles', 'roles.id', 'user_roles.role_id')
    .select(['users.id as userId', 'users.username', 'users.disabled', 'users.must_change_password', 'sessions.csrf_token', 'sessions.created_at', 'sessions.expires_at', 'sessions.last_seen_at', 'roles.grants'])
    .where('sessions.id', '=', tokenHash);

const tokenQuery = (db: Kysely<DB>, tokenHash: string) =>
  db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .leftJoin('user_roles', 'user_roles.user_id', 'users.id')
    .leftJoin('roles', 'roles.id', 'user_roles.role_id')
    .select(['api_tokens.id', 'users.id as userId', 'users.username', 'users.disabled', 'users.must_change_password', 'api_tokens.revoked_at', 'api_tokens.last_used_at', 'roles.grants'])
    .where('api_tokens.token_hash', '=', tokenHash);

/**
 * SQL whose text never changes, compiled once per database and statement (keyed by its builder): building and
 * compiling with Kysely costs more than the indexed lookups and touches below. `adopt` vets the compiled query on
 * first use and returns the text to run.
 */
const compiledTexts = new WeakMap<Kysely<DB>, Map<object, string>>();
function compiledOnce(db: Kysely<DB>, builder: object, compile: () => CompiledQuery, adopt: (compiled: CompiledQuery) => string): string {
  let byBuilder = compiledTexts.get(db);
  if (!byBuilder) compiledTexts.set(db, (byBuilder = new Map<object, string>()));
  let text = byBuilder.get(builder);
  if (text === undefined) byBuilder.set(builder, (text = adopt(compile())));
  return text;
}

/**
 * Every request runs one of these two queries, kept prepared on PostgreSQL; only the token hash is bound. The rows
 * are read afresh unless session-cache.ts holds them.
 */
const adoptAuthQuery = (compiled: CompiledQuery) => {
  if (compiled.parameters.length !== 1) throw new Error('an authentication query must bind the token hash alone');
  keepPrepared(compiled.sql);
  return compiled.sql;
};
async function runAuthQuery<R>(db: Kysely<DB>, build: (db: Kysely<DB>, tokenHash: string) => Compilable<R>, tokenHash: string): Promise<R[]> {
  const text = compiledOnce(db, build, () => build(db, tokenHash).compile(), adoptAuthQuery);
  return (await db.executeQuery<R>(CompiledQuery.raw(text, [tokenHash]))).rows;
}

/**
 * The once-a-minute touches, which only move last_seen_at / last_used_at forward and so change no sign-in decision:
 * the write watch lets them pass, known by their text (marked, so that another update of the same column is not
 * mistaken for one).
 */
const touchQueries = {
  session: (db: Kysely<DB>) => db.updateTable('sessions').set({ last_seen_at: '' }).where('id', '=', ''),
  token: (db: Kysely<DB>) => db.updateTable('api_tokens').set({ last_used_at: '' }).where('id', '=', 0),
};
const adoptTouch = (compiled: CompiledQuery) => {
  const text = `/* touch */ ${compiled.sql}`;
  notASignInChange(text);
  return text;
};
async function touch(db: Kysely<DB>, kind: keyof typeof touchQueries, id: string | number, now: string): Promise<void> {
  const build = touchQueries[kind];
  await db.executeQuery(CompiledQuery.raw(compiledOnce(db, build, () => build(db).compile(), adoptTouch), [now, id]));
}

/**
 * What a sign-in decides at `now`: no entry, entry, or entry after a touch. A session unused for idleMinutes is over
 * even before its absolute expiry (a stolen, forgotten one dies sooner); a token lasts until revoked. Touched at most
 * once a minute: reads should not each become a write.
 */
function verdict(signIn: SignIn, now: string, idleMinutes: number | null): 'refuse' | 'admit' | 'touch' {
  if (signIn.disabled || (signIn.expiresAt !== null && signIn.expiresAt <= now)) return 'refuse';
  if (idleMinutes !== null && signIn.lastSeenAt <= isoPlus(now, -idleMinutes * 60_000)) return 'refuse';
  return signIn.lastSeenAt < isoPlus(now, -60_000) ? 'touch' : 'admit';
}

const admitted = (signIn: SignIn, meta: RequestMeta): Authenticated => ({
  actor: { type: signIn.credential.kind === 'session' ? 'user' : 'token', userId: signIn.userId, name: signIn.username, permissions: signIn.permissions, ...meta, credential: signIn.credential },
  csrfToken: signIn.csrfToken,
  mustChangePassword: signIn.mustChangePassword,
});

/**
 * The sign-in behind a session or a token. On PostgreSQL one that needs no touch is admitted from the process's
 * cache when it holds it (session-cache.ts says when it may); whatever would refuse it or touch it is decided on the
 * rows read afresh.
 */
async function signInWith(
  ctx: Ctx,
  key: string,
  idleMinutes: number | null,
  read: () => Promise<SignIn | null>,
  touchIt: (signIn: SignIn, now: string) => Promise<void>,
  meta: RequestMeta,
): Promise<Authenticated | null> {
  const now = nowIso();
  const cache = sessionCacheOf(ctx.kysely);
  const cached = cache?.get(key);
  if (cached && verdict(cached, now, idleMinutes) === 'admit') return admitted(cached, meta);
  const stamp = cache?.stamp() ?? 0;
  const signIn = await read();
  const decided = signIn ? verdict(signIn, now, idleMinutes) : 'refuse';
  if (!signIn || decided === 'refuse') {
    cache?.forget(key);
    return null;
  }
  if (decided === 'touch') {
    await touchIt(signIn, now);
    signIn.lastSeenAt = now;
  }
  cache?.keep(key, signIn, stamp);
  return admitted(signIn, meta);
}

export async function authenticateSession(ctx: Ctx, sessionToken: string, meta: RequestMeta, idleMinutes: number): Promise<Authenticated | null> {
  const tokenHash = sha256(sessionToken);
  const read = async (): Promise<SignIn | null> => {
    const rows = await runAuthQuery(ctx.kysely, sessionQuery, tokenHash);
    const row = rows[0];
    if (!row) return null;
    return {
      credential: { kind: 'session', id: tokenHash },
      userId: row.userId,
      username: row.username,
      disabled: row.disabled === 1,
      mustChangePassword: row.must_change_password === 1,
      csrfToken: row.csrf_token,
      expiresAt: row.expires_at,
      lastSeenAt: row.last_seen_at ?? row.created_at,
      permissions: permissionsFrom(rows),
    };
  };
  return signInWith(ctx, tokenHash, idleMinutes, read, (_signIn, now) => touch(ctx.kysely, 'session', tokenHash, now), meta);
}

export async function authenticateToken(ctx: Ctx, token: string, meta: RequestMeta): Promise<Authenticated | null> {
  const tokenHash = sha256(token);
  const read = async (): Promise<SignIn | null> => {
    const rows = await runAuthQuery(ctx.kysely, tokenQuery, tokenHash);
    const row = rows[0];
    if (!row || row.revoked_at) return null;
    return {
      credential: { kind: 'token', id: String(row.id) },
      userId: row.userId,
      username: row.username,
      disabled: row.disabled === 1,
      mustChangePassword: row.must_change_password === 1,
      csrfToken: null,
      expiresAt: null,
      lastSeenAt: row.last_used_at ?? '',
      permissions: permissionsFrom(rows),
    };
  };
  // A busy integration should not turn every read into a write either.
  return signInWith(ctx, `token:${tokenHash}`, null, read, (signIn, now) => touch(ctx.kysely, 'token', Number(signIn.credential.id), now), meta);
}

const personal = (u: { language: string | null; time_zone: string | null; must_change_password: number }) => ({
  language: u.language,
  timeZone: u.time_zone,
  mustChangePassword: u.must_change_password === 1,
});

export async function me(ctx: Ctx, actor: Actor, csrfToken: string | null): Promise<Me> {
  if (actor.userId == null) throw notFound('User');
  const user = await ctx.kysely.selectFrom('users').select(['id', 'username', 'display_name', 'language', 'time_zone', 'must_change_password']).where('id', '=', actor.userId).executeTakeFirstOrThrow();
  const access = await accessOf(ctx.kysely, user.id);
  return { id: String(user.id), username: user.username, displayName: user.display_name, ...access, csrfToken, ...personal(user) };
}

export async function createToken(ctx: Ctx, actor: Actor, name: string): Promise<{ id: string; name: string; token: string }> {
  if (actor.userId == null) throw new AppError('forbidden', 'Only users can create tokens');
  const token = `ord_${newSecret()}`;
  const id = await ctx.kysely.transaction().execute(async (trx) => {
    const { id } = await trx
      .insertInto('api_tokens')
      .values({ user_id: actor.userId!, name, token_hash: sha256(token), created_at: nowIso() })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(trx, ctx.dialect, actor, { action: 'token.create', entityType: 'api_token', entityId: id, entityLabel: name });
    return id;
  });
  return { id: String(id), name, token };
}

export async function listTokens(ctx: Ctx, actor: Actor) {
  let query = ctx.kysely.selectFrom('api_tokens').selectAll().orderBy('id', 'desc');
  if (!actor.permissions['users.manage']) query = query.where('user_id', '=', actor.userId ?? -1);
  const rows = await query.execute();
  return rows.map((r) => ({ id: String(r.id), name: r.name, userId: String(r.user_id), createdAt: r.created_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at }));
}

export async function revokeToken(ctx: Ctx, actor: Actor, id: number): Promise<void> {
  await ctx.kysely.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || (row.user_id !== actor.userId && !actor.permissions['users.manage'])) throw notFound('Token');
    if (row.revoked_at) return;
    await trx.updateTable('api_tokens').set({ revoked_at: nowIso() }).where('id', '=', id).execute();
    await recordAudit(trx, ctx.dialect, actor, { action: 'token.revoke', entityType: 'api_token', entityId: id, entityLabel: row.name });
  });
}

/** What the access hook calls for each request; handed to platform/access when the app is built. */
export const authenticator: Authenticator = { session: authenticateSession, token: authenticateToken };
