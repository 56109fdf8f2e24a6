/**
 * Crash rounds: the real server in a child process gets a bulk deletion (by filter) or a whole-batch restore
 * of every drill order, and is killed with SIGKILL at a random moment of it. Each round then checks, from
 * this process, that the batch is all or nothing (every drill order deleted in one batch, or every one live),
 * that the stock and finance journals hold their invariants, that the audit log verifies, and that it agrees
 * with the orders (one `order.delete` entry per deleted order, net of restores).
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { Config } from '../src/server/config.js';
import type { Db } from '../src/server/db/connect.js';
import { checkInvariants } from '../src/server/modules/integrity/invariants.js';
import type { App } from '../src/server/platform/http.js';
import { checkpointForDrill, verifyAuditForDrill } from './audit-verification.js';
import { DrillClient, expectOk } from './client.js';
import { seededRandom } from './fuzz.js';

export interface CrashRound {
  round: number;
  operation: 'delete' | 'restore';
  killAfterMs: number;
  /** What the kill left: the operation's whole effect, or none of it. */
  outcome: 'committed' | 'rolled back' | 'partial';
  invariantViolations: number;
  auditOk: boolean;
  auditAgrees: boolean;
  intact: boolean;
  problem?: string;
}

export interface CrashResult {
  orders: number;
  rounds: CrashRound[];
  intactRounds: number;
  committed: number;
  rolledBack: number;
  /** How long an uninterrupted deletion and restore took: the kills are spread over twice that, widened as needed. */
  calibration: { deleteMs: number; restoreMs: number };
  seconds: number;
}

export interface CrashOptions {
  rounds: number;
  orders: number;
  adminPassword: string;
  seed?: number;
  log?: (line: string) => void;
}

/** The built crash-server.js: next to this file once compiled; under dist/ when this runs from source (Vitest). */
function crashServerScript(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return path.join(path.dirname(here), 'crash-server.js');
  return path.resolve(path.dirname(here), '..', 'dist', 'drill', 'crash-server.js');
}

interface Child {
  process: ChildProcess;
  baseUrl: string;
  exited: Promise<void>;
}

async function startChild(config: Config): Promise<Child> {
  const env: NodeJS.ProcessEnv = { ...process.env, ORDERLY_LOG_LEVEL: 'silent', ORDERLY_JOBS: 'off', HOST: '127.0.0.1', PORT: '0' };
  delete env.DATABASE_URL;
  delete env.ORDERLY_DB;
  // The same key as the drill's own checks: a backup the server takes would sign its checkpoint with it.
  delete env.ORDERLY_AUDIT_SIGNING_KEY;
  if (config.auditSigningKey) env.ORDERLY_AUDIT_SIGNING_KEY = config.auditSigningKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  if (config.database.dialect === 'postgres') env.DATABASE_URL = config.database.url;
  else env.ORDERLY_DB = config.database.file;
  const child = fork(crashServerScript(), [], { env, execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve(message.port));
    child.once('exit', (code, signal) => reject(new Error(`the crash server exited (${code ?? signal}) before listening`)));
  });
  return { process: child, baseUrl: `http://127.0.0.1:${port}`, exited };
}

/** The drill's orders: a customer of their own, two in three drafts and the rest confirmed (stock held, money owed). */
async function seedCrashOrders(app: App, adminPassword: string, orders: number): Promise<string> {
  const admin = await new DrillClient({ app }).login('admin', adminPassword);
  const customer = expectOk('customer', await admin.request('POST', '/api/customers', { name: 'Crash Drill Customer' }));
  const products: string[] = [];
  for (let i = 0; i < 5; i++) {
    products.push(expectOk('product', await admin.request('POST', '/api/products', { sku: `CRASH-${i}`, name: `Crash product ${i}`, price: `${i + 1}.50`, stock: 1_000_000 })).id);
  }
  const createOne = async (i: number) => {
    const order = expectOk('order', await admin.request('POST', '/api/orders', { customerId: customer.id, items: [{ productId: products[i % 5], quantity: 1 + (i % 3) }, { productId: products[(i + 1) % 5], quantity: 2 }] }));
    if (i % 3 === 2) expectOk('confirm', await admin.request('POST', `/api/orders/${order.id}/confirm`, {}));
  };
  for (let i = 0; i < orders; i += 8) await Promise.all(Array.from({ length: Math.min(8, orders - i) }, (_, k) => createOne(i + k)));
  return customer.id as string;
}

interface DrillState {
  live: boolean;
  batchId?: string;
}

/** Where the drill orders stand, read from the database itself. */
async function observe(ctx: Db, customerId: number) {
  const rows = await ctx.kysely.selectFrom('orders').select(['id', 'deleted_at', 'delete_batch_id']).where('customer_id', '=', customerId).execute();
  const deleted = rows.filter((r) => r.deleted_at !== null);
  const batches = new Set(deleted.map((r) => r.delete_batch_id));
  const net = await ctx.kysely
    .selectFrom('audit_log')
    .select([sql<number>`sum(case when action = 'order.delete' then 1 when action = 'order.restore' then -1 else 0 end)`.as('n')])
    .where('entity_type', '=', 'order')
    .where(
      'entity_id',
      'in',
      rows.map((r) => String(r.id)),
    )
    .executeTakeFirst();
  return { total: rows.length, deleted: deleted.length, batchId: batches.size === 1 ? [...batches][0]! : undefined, batches: batches.size, auditNet: Number(net?.n ?? 0) };
}

/**
 * PostgreSQL ends a dead client's transaction only when its backend next touches the socket; until then the
 * backend may still be working (or committing a COMMIT already sent). Wait for the killed server's sessions to
 * go quiet before reading, so a round never reads a state that changes under it.
 */
async function settle(ctx: Db): Promise<void> {
  if (ctx.dialect !== 'postgres') return;
  for (let i = 0; i < 300; i++) {
    const busy = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
      where datname = current_database() and pid <> pg_backend_pid() and state is not null and state <> 'idle'`.execute(ctx.kysely);
    if (busy.rows[0].n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the killed server’s PostgreSQL sessions are still busy after 15 s');
}

/** Sends the operation and resolves when it answers; a kill makes it reject, which is expected and ignored. */
async function operationRequest(client: DrillClient, state: DrillState, customerId: string): Promise<void> {
  if (state.live) {
    const filter = { customerId };
    const preview = expectOk('preview', await client.request('POST', '/api/orders/delete-preview', { filter }));
    expectOk('delete', await client.request('POST', '/api/orders/delete', { filter, reason: { code: 'test_data', note: 'crash drill' }, previewToken: preview.previewToken }));
  } else {
    expectOk('restore', await client.request('POST', '/api/recycle-bin/restore', { batchId: state.batchId }));
  }
}

export async function runCrashDrill(app: App, ctx: Db, config: Config, options: CrashOptions): Promise<CrashResult> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  const random = seededRandom(options.seed ?? 1204);
  const customerId = await seedCrashOrders(app, options.adminPassword, options.orders);
  const customerKey = Number(customerId);
  const state: DrillState = { live: true };

  // One uninterrupted deletion and restore: how long each takes decides when the kills may land.
  const calibration = { deleteMs: 0, restoreMs: 0 };
  {
    const child = await startChild(config);
    try {
      const client = await new DrillClient({ baseUrl: child.baseUrl }).login('admin', options.adminPassword);
      await client.stepUp(options.adminPassword);
      let t = performance.now();
      await operationRequest(client, state, customerId);
      calibration.deleteMs = performance.now() - t;
      state.live = false;
      state.batchId = (await observe(ctx, customerKey)).batchId;
      t = performance.now();
      await operationRequest(client, state, customerId);
      calibration.restoreMs = performance.now() - t;
      state.live = true;
      state.batchId = undefined;
    } finally {
      child.process.kill('SIGKILL');
      await child.exited;
    }
  }
  log(`crash drill: ${options.orders} orders; uninterrupted delete ${calibration.deleteMs.toFixed(0)} ms, restore ${calibration.restoreMs.toFixed(0)} ms`);

  // Kills are spread over twice the calibrated time. On a loaded machine the operation may take longer than it
  // did then: a run of kills that all land before the commit widens that operation's window, so the rounds keep
  // covering both the early and the late part of the write.
  const windowMs = { delete: 2 * calibration.deleteMs, restore: 2 * calibration.restoreMs };
  const rolledBackInARow = { delete: 0, restore: 0 };
  const rounds: CrashRound[] = [];
  // Each round's verdict is checked against a checkpoint signed before its kill: a kill that lost or rewrote
  // committed audit entries shows as a contradicted checkpoint, not only as a broken link.
  await checkpointForDrill(ctx, config.auditSigningKey);
  for (let round = 1; round <= options.rounds; round++) {
    const operation = state.live ? 'delete' : 'restore';
    const child = await startChild(config);
    let killAfterMs = 0;
    try {
      const client = await new DrillClient({ baseUrl: child.baseUrl }).login('admin', options.adminPassword);
      await client.stepUp(options.adminPassword);
      // A deletion's preview is read before the clock starts: the kill is aimed at the write itself.
      killAfterMs = Math.round(random() * windowMs[operation]);
      const inFlight = operationRequest(client, state, customerId).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, killAfterMs));
      child.process.kill('SIGKILL');
      await inFlight;
    } finally {
      child.process.kill('SIGKILL');
      await child.exited;
    }

    await settle(ctx);
    const seen = await observe(ctx, customerKey);
    const wasDeleted = !state.live;
    let outcome: CrashRound['outcome'];
    if (seen.deleted === 0) outcome = wasDeleted ? 'committed' : 'rolled back';
    else if (seen.deleted === seen.total && seen.batches === 1) outcome = wasDeleted ? 'rolled back' : 'committed';
    else outcome = 'partial';
    const violations = await checkInvariants(ctx.kysely, { limitPerCheck: 5 });
    const audit = await verifyAuditForDrill(ctx.kysely, config.auditSigningKey);
    const auditAgrees = seen.auditNet === seen.deleted;
    const intact = outcome !== 'partial' && violations.length === 0 && audit.ok && auditAgrees;
    const problem = intact
      ? undefined
      : [
          outcome === 'partial' ? `${seen.deleted} of ${seen.total} deleted in ${seen.batches} batches` : '',
          violations.length ? `${violations.length} invariant violations (${violations[0].code})` : '',
          audit.ok ? '' : `audit: ${audit.detail}`,
          auditAgrees ? '' : `audit says ${seen.auditNet} deleted, orders say ${seen.deleted}`,
        ]
          .filter(Boolean)
          .join('; ');
    rounds.push({ round, operation, killAfterMs, outcome, invariantViolations: violations.length, auditOk: audit.ok, auditAgrees, intact, problem });
    log(`  round ${round}: ${operation} killed after ${killAfterMs} ms → ${outcome}${intact ? '' : ` — ${problem}`}`);
    if (outcome === 'partial') break;
    // A broken log is not signed (the signer refuses); the next rounds keep reporting it against the last good one.
    if (audit.ok) await checkpointForDrill(ctx, config.auditSigningKey);
    rolledBackInARow[operation] = outcome === 'rolled back' ? rolledBackInARow[operation] + 1 : 0;
    if (rolledBackInARow[operation] >= 4) {
      windowMs[operation] *= 1.5;
      rolledBackInARow[operation] = 0;
    }
    state.live = seen.deleted === 0;
    state.batchId = seen.batchId ?? undefined;
  }
  return {
    orders: options.orders,
    rounds,
    intactRounds: rounds.filter((r) => r.intact).length,
    committed: rounds.filter((r) => r.outcome === 'committed').length,
    rolledBack: rounds.filter((r) => r.outcome === 'rolled back').length,
    calibration,
    seconds: (performance.now() - started) / 1000,
  };
}
