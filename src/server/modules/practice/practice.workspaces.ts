import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { loadDemoData } from '../../../cli/demo-data.js';
import type { PracticeState } from '../../../contracts/practice.js';
import { loadConfig, type Config } from '../../config.js';
import { connect } from '../../db/connect.js';
import type { Ctx } from '../../db/context.js';
import { migrateToLatest } from '../../db/migrate.js';
import type { DB } from '../../db/schema.js';
import type { Actor } from '../../platform/actor.js';
import { AppError } from '../../platform/errors.js';
import type { App } from '../../platform/http.js';
import { sha256 } from '../auth/auth.service.js';
import { writePolicy } from '../settings/settings.service.js';
import { bootstrap } from '../users/users.service.js';

/** Builds the app that serves one sandbox: the same routes, its own database, no jobs, no web files. */
export type SandboxAppBuilder = (config: Config, ctx: Ctx) => Promise<App>;

interface Sandbox {
  userId: number;
  dir: string;
  ctx: Ctx;
  app: App;
  /** The sandbox's own session cookie for the mirrored user; it carries the real session's CSRF token. */
  sessionToken: string;
  openedAt: number;
  lastUsedAt: number;
  /** Real sessions (sha256 of the cookie) currently in practice. */
  sessions: Set<string>;
}

export const PRACTICE_IDLE_HOURS = 3;

/**
 * One sandbox per user, in this process's memory and a temporary folder. Each sandbox starts as a copy of the
 * demo template, so opening one takes a file copy, not a demo load. A sandbox app is built with jobs off, no SMTP and no webhook delivery: what is done there stays
 * there (its outbox is never dispatched).
 */
export class PracticeWorkspaces {
  private readonly byUser = new Map<number, Sandbox>();
  private readonly bySession = new Map<string, Sandbox>();
  private rootDir: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Injectable for tests: the idle expiry reads this clock. */
  now: () => number = () => Date.now();

  /**
   * `onError` hears a sandbox that failed to close when nobody waits for it (the idle sweep, a request that found its
   * sandbox expired, the server closing): the server keeps serving, where an unhandled rejection would stop it.
   */
  constructor(
    private readonly config: Config,
    private readonly buildSandboxApp: SandboxAppBuilder,
    private readonly onError: (error: unknown) => void,
    readonly idleMs = PRACTICE_IDLE_HOURS * 3_600_000,
  ) {}

  /** Made on the first sandbox, so an app nobody practises in leaves nothing behind. */
  private get root(): string {
    if (this.rootDir === undefined) {
      this.rootDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderly-practice-'));
      fs.chmodSync(this.rootDir, 0o700);
      this.timer = setInterval(() => void this.sweep(), 10 * 60_000);
      this.timer.unref();
    }
    return this.rootDir;
  }

  private sandboxConfig(dir: string): Config {
    const base = loadConfig({ ORDERLY_DB: path.join(dir, 'orderly.db'), ORDERLY_JOBS: 'off', ORDERLY_LOG_LEVEL: 'silent', ORDERLY_BACKUP_DIR: path.join(dir, 'backups') });
    // The real installation's session policy, but never its mail server, webhooks' reach, keys or web files.
    return { ...base, sessionHours: this.config.sessionHours, sessionIdleMinutes: this.config.sessionIdleMinutes, webRoot: undefined };
  }

  /** Opens (or re-enters) the caller's sandbox and puts this browser session in it. */
  async open(real: Ctx, actor: Actor, sessionToken: string | null, csrfToken: string | null): Promise<PracticeState> {
    if (actor.type !== 'user' || actor.userId === null || sessionToken === null || csrfToken === null) {
      throw new AppError('forbidden', 'The practice workspace is for people signed in with a browser session, not API tokens');
    }
    const key = sha256(sessionToken);
    let sandbox = this.byUser.get(actor.userId);
    if (sandbox && this.expired(sandbox)) {
      await this.discard(sandbox);
      sandbox = undefined;
    }
    if (!sandbox) sandbox = await this.create(real, actor.userId, csrfToken);
    else await setSessionCsrf(sandbox.ctx.kysely, sandbox.sessionToken, csrfToken);
    sandbox.sessions.add(key);
    sandbox.lastUsedAt = this.now();
    this.bySession.set(key, sandbox);
    return this.stateOf(sandbox);
  }

  /** Takes this session back to the real data and discards the sandbox (the next one starts fresh). */
  async leave(actor: Actor, sessionToken: string | null): Promise<PracticeState> {
    const sandbox = actor.userId === null ? undefined : this.byUser.get(actor.userId);
    if (sandbox) await this.discard(sandbox);
    else if (sessionToken) this.bySession.delete(sha256(sessionToken));
    return this.stateOf(undefined);
  }

  state(sessionToken: string | null): PracticeState {
    return this.stateOf(sessionToken ? this.activeFor(sessionToken, false) : undefined);
  }

  /** The sandbox this session's requests go to, if it is in practice; a use keeps the sandbox alive. */
  activeFor(sessionToken: string, touch = true): Sandbox | undefined {
    // Asked on every /api request: with nobody practising, skip hashing the session token.
    if (this.bySession.size === 0) return undefined;
    const sandbox = this.bySession.get(sha256(sessionToken));
    if (!sandbox) return undefined;
    if (this.expired(sandbox)) {
      this.discard(sandbox).catch(this.onError);
      return undefined;
    }
    if (touch) sandbox.lastUsedAt = this.now();
    return sandbox;
  }

  private expired(sandbox: Sandbox): boolean {
    return this.now() - sandbox.lastUsedAt > this.idleMs;
  }

  /** Discards every sandbox unused for longer than the idle time; one that fails to close is reported and the others are still discarded. */
  async sweep(): Promise<number> {
    const idle = [...this.byUser.values()].filter((s) => this.expired(s));
    await this.discardEach(idle);
    return idle.length;
  }

  get openCount(): number {
    return this.byUser.size;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.discardEach([...this.byUser.values()]);
    if (this.rootDir !== undefined) fs.rmSync(this.rootDir, { recursive: true, force: true });
  }

  private stateOf(sandbox: Sandbox | undefined): PracticeState {
    return {
      active: sandbox !== undefined,
      openedAt: sandbox ? new Date(sandbox.openedAt).toISOString() : null,
      lastUsedAt: sandbox ? new Date(sandbox.lastUsedAt).toISOString() : null,
      idleHours: this.idleMs / 3_600_000,
    };
  }

  private async create(real: Ctx, userId: number, csrfToken: string): Promise<Sandbox> {
    const template = await demoTemplate(this.sandboxConfig.bind(this));
    const dir = fs.mkdtempSync(path.join(this.root, `user-${userId}-`));
    const config = this.sandboxConfig(dir);
    fs.copyFileSync(template, path.join(dir, 'orderly.db'));
    fs.chmodSync(path.join(dir, 'orderly.db'), 0o600);
    const ctx = connect(config.database);
    try {
      const sandboxUserId = await mirrorUser(real.kysely, ctx.kysely, userId);
      const sessionToken = randomBytes(32).toString('base64url');
      const now = new Date(this.now()).toISOString();
      await ctx.kysely
        .insertInto('sessions')
        .values({ id: sha256(sessionToken), user_id: sandboxUserId, csrf_token: csrfToken, created_at: now, expires_at: '9999-12-31T00:00:00.000Z', last_seen_at: now, ip: null, user_agent: 'practice workspace' })
        .execute();
      // One person practising alone: a purge there must not wait for a second administrator.
      await ctx.kysely.transaction().execute((trx) => writePolicy(trx, 'purgeNeedsSecondAdmin', false));
      const app = await this.buildSandboxApp(config, ctx);
      await app.ready();
      const sandbox: Sandbox = { userId, dir, ctx, app, sessionToken, openedAt: this.now(), lastUsedAt: this.now(), sessions: new Set() };
      this.byUser.set(userId, sandbox);
      return sandbox;
    } catch (error) {
      await ctx.close();
      fs.rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Out of use at once; its connection and files go even if its app fails to close. */
  private async discard(sandbox: Sandbox): Promise<void> {
    if (this.byUser.get(sandbox.userId) !== sandbox) return;
    this.byUser.delete(sandbox.userId);
    for (const key of sandbox.sessions) this.bySession.delete(key);
    try {
      await sandbox.app.close();
    } finally {
      await sandbox.ctx.close().finally(() => fs.rmSync(sandbox.dir, { recursive: true, force: true }));
    }
  }

  private async discardEach(sandboxes: Sandbox[]): Promise<void> {
    for (const sandbox of sandboxes) await this.discard(sandbox).catch(this.onError);
  }
}

let template: Promise<string> | undefined;

/**
 * The demo data set, loaded once per process into a file every sandbox starts as a copy of (the demo set is the
 * same for everyone: it depends only on the month). Removed when the process exits.
 */
function demoTemplate(configFor: (dir: string) => Config): Promise<string> {
  template ??= (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderly-practice-template-'));
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    const ctx = connect(configFor(dir).database);
    try {
      await migrateToLatest(ctx.kysely, ctx.dialect);
      await bootstrap(ctx, randomBytes(18).toString('base64url'));
      await loadDemoData(ctx);
      const file = path.join(dir, 'template.db');
      // One self-contained file (no write-ahead log beside it) to copy from.
      await sql`vacuum into ${file}`.execute(ctx.kysely);
      return file;
    } finally {
      await ctx.close();
    }
  })();
  template.catch(() => (template = undefined));
  return template;
}

async function setSessionCsrf(db: Kysely<DB>, sessionToken: string, csrfToken: string): Promise<void> {
  await db.updateTable('sessions').set({ csrf_token: csrfToken }).where('id', '=', sha256(sessionToken)).execute();
}

/**
 * The real user inside the sandbox: same username, display name, password (so a step-up works) and roles (custom
 * roles copied by name with their grants). A demo user of the same name becomes them; otherwise they are added and
 * take over `rep1`'s demo orders, so a sales rep practising "own orders only" has orders to practise on.
 */
async function mirrorUser(real: Kysely<DB>, sandbox: Kysely<DB>, userId: number): Promise<number> {
  const user = await real.selectFrom('users').select(['username', 'display_name', 'password_hash', 'language']).where('id', '=', userId).executeTakeFirstOrThrow();
  const roles = await real.selectFrom('user_roles').innerJoin('roles', 'roles.id', 'user_roles.role_id').select(['roles.name', 'roles.description', 'roles.grants']).where('user_roles.user_id', '=', userId).execute();
  const now = new Date().toISOString();
  return sandbox.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('users').select('id').where('username', '=', user.username).executeTakeFirst();
    let id: number;
    if (existing) {
      id = existing.id;
      await trx.updateTable('users').set({ display_name: user.display_name, password_hash: user.password_hash, language: user.language, disabled: 0, updated_at: now }).where('id', '=', id).execute();
      await trx.deleteFrom('user_roles').where('user_id', '=', id).execute();
    } else {
      const row = await trx
        .insertInto('users')
        .values({ username: user.username, display_name: user.display_name, password_hash: user.password_hash, disabled: 0, failed_logins: 0, locked_until: null, created_at: now, updated_at: now, email: null, language: user.language })
        .returning('id')
        .executeTakeFirstOrThrow();
      id = Number(row.id);
      const rep = await trx.selectFrom('users').select('id').where('username', '=', 'rep1').executeTakeFirst();
      if (rep) await trx.updateTable('orders').set({ owner_id: id }).where('owner_id', '=', rep.id).execute();
    }
    for (const role of roles) {
      let sandboxRole = await trx.selectFrom('roles').select('id').where('name', '=', role.name).executeTakeFirst();
      if (!sandboxRole) {
        sandboxRole = await trx.insertInto('roles').values({ name: role.name, description: role.description, builtin: 0, grants: role.grants, created_at: now, updated_at: now }).returning('id').executeTakeFirstOrThrow();
      }
      await trx.insertInto('user_roles').values({ user_id: id, role_id: Number(sandboxRole.id) }).execute();
    }
    return id;
  });
}
