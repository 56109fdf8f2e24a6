/**
 * Dashboard queries (issue #15): each aggregate of GET /api/dashboard, timed in-process on a seeded database,
 * for a reader of every order and for one sales rep (own orders). Target: p95 under 200 ms at 1,000,000 orders
 * on SQLite. `measureDashboard` is what bench/run.ts calls after seeding; run alone it seeds its own database:
 *
 *   node dist/bench/dashboard.js [--orders 1000000] [--rounds 20] [--trigger-rounds 5]
 *
 * Run alone it also measures what the summary's triggers cost the deletion and restore of 1,000 confirmed orders:
 * the process's CPU time (app and SQLite both run in it) with the triggers and with them dropped, rounds alternating.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { bulkSeed } from '../src/cli/bulk-seed.js';
import { DASHBOARD_MONTHS, DELETION_MONTHS } from '../src/contracts/dashboard.js';
import { buildApp } from '../src/server/app.js';
import { loadConfig, type Config } from '../src/server/config.js';
import { connect, type Db } from '../src/server/db/connect.js';
import { compactDashboardSummary } from '../src/server/db/dashboard-summary.js';
import { migrateToLatest } from '../src/server/db/migrate.js';
import { countByStatus, deletionsSince, pendingRestoreRequests, recycleBinFigures, revenueSince } from '../src/server/modules/dashboard/dashboard.queries.js';
import { lastMonths } from '../src/server/modules/dashboard/dashboard.service.js';
import { bootstrap } from '../src/server/modules/users/users.service.js';
import type { OperationRow } from './operations.js';

export const DASHBOARD_TARGET_MS = 200;
export const DASHBOARD_HTTP_TARGET_MS = 500;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function time(rounds: number, run: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  await run(); // warm the page cache and the prepared statement
  const took: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    await run();
    took.push(performance.now() - started);
  }
  took.sort((a, b) => a - b);
  return { p50: percentile(took, 50), p95: percentile(took, 95) };
}

/**
 * One row per query and scope: p50/p95 of `rounds` runs against the target; with `http`, also the whole
 * `GET /api/dashboard` as the signed-in user of `headers` (target: well under a second, judged at 500 ms).
 */
export async function measureDashboard(ctx: Db, options: { rounds?: number; http?: { baseUrl: string; headers: Record<string, string> } } = {}): Promise<OperationRow[]> {
  const rounds = options.rounds ?? 20;
  const db = ctx.kysely;
  const now = new Date();
  const months = lastMonths(DASHBOARD_MONTHS, now);
  const from = months[0];
  const deletedFrom = months[DASHBOARD_MONTHS - DELETION_MONTHS];
  const weekEnd = new Date(now.getTime() + 7 * 86_400_000).toISOString();
  // The busiest owner: the worst case of a rep's own-scope queries.
  const busiest = await db.selectFrom('orders').select((eb) => ['owner_id', eb.fn.countAll<number>().as('n')]).groupBy('owner_id').orderBy('n', 'desc').limit(1).executeTakeFirst();
  const rep = busiest ? Number(busiest.owner_id) : -1;
  const queries: Array<[string, (owner: number | undefined) => Promise<unknown>]> = [
    ['orders by status', (owner) => countByStatus(db, owner)],
    ['revenue by month (12)', (owner) => revenueSince(db, from, owner)],
    ['deletions by reason (6 months)', (owner) => deletionsSince(db, deletedFrom, owner)],
    ['recycle bin and purges this week', (owner) => recycleBinFigures(db, weekEnd, owner)],
    ['open restore requests', (owner) => pendingRestoreRequests(db, owner)],
  ];
  const pending = Number((await db.selectFrom('dashboard_summary_deltas').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const rows: OperationRow[] = [];
  for (const [name, run] of queries) {
    for (const [scope, owner] of [
      ['all orders', undefined],
      ['one rep', rep],
    ] as const) {
      const { p50, p95 } = await time(rounds, () => run(owner));
      rows.push({ operation: `dashboard: ${name} (${scope}${name.startsWith('open') ? '' : `, ${pending.toLocaleString('en')} deltas pending`})`, measured: `p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms`, target: `p95 < ${DASHBOARD_TARGET_MS} ms`, pass: p95 < DASHBOARD_TARGET_MS });
    }
  }
  if (options.http) {
    const { baseUrl, headers } = options.http;
    const { p50, p95 } = await time(rounds, async () => {
      const res = await fetch(`${baseUrl}/api/dashboard`, { headers });
      if (!res.ok) throw new Error(`GET /api/dashboard → ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    });
    rows.push({ operation: 'GET /api/dashboard over HTTP (admin)', measured: `p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms`, target: `p95 < ${DASHBOARD_HTTP_TARGET_MS} ms`, pass: p95 < DASHBOARD_HTTP_TARGET_MS });
  }
  return rows;
}

const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

/**
 * CPU milliseconds of this process for deleting and for restoring 1,000 confirmed orders through the app in process
 * (SQLite), with the summary's triggers and without them, rounds alternating so the machine's drift hits both.
 */
export async function measureTriggerCost(ctx: Db, config: Config, password: string, wanted: number): Promise<OperationRow[]> {
  const db = ctx.kysely;
  const triggers = (await sql<{ name: string; sql: string }>`select name, sql from sqlite_master where type = 'trigger' and name like 'dashboard_summary_%'`.execute(db)).rows;
  if (triggers.length !== 3) throw new Error(`expected the 3 dashboard summary triggers, found ${triggers.length}`);
  const candidates = await db.selectFrom('orders').select('id').where('status', '=', 'confirmed').where('paid', '=', 0).where('deleted_at', 'is', null).orderBy('id', 'desc').limit(1_000 * (2 * wanted + 1)).execute();
  // A small seed has fewer: as many alternating pairs as it has batches for, after the warm-up batch.
  const rounds = Math.min(wanted, Math.floor((Math.floor(candidates.length / 1_000) - 1) / 2));
  if (rounds < 1) return [{ operation: 'trigger cost of deleting 1,000 orders', measured: `only ${candidates.length} confirmed orders without payments`, target: 'reported', pass: true }];
  const app = await buildApp(config, ctx, { logger: false });
  try {
    await app.ready();
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password } });
    const cookie = [login.headers['set-cookie']].flat().find((c) => c?.startsWith('orderly_session='))!.split(';')[0];
    const headers = { cookie, 'x-csrf-token': login.json<{ csrfToken: string }>().csrfToken, 'content-type': 'application/json' };
    const post = async (url: string, body: unknown) => {
      const res = await app.inject({ method: 'POST', url, headers, payload: JSON.stringify(body) });
      if (res.statusCode !== 200) throw new Error(`POST ${url} → ${res.statusCode} ${res.body.slice(0, 300)}`);
      return res.json<{ previewToken?: string }>();
    };
    const round = async (batch: number) => {
      const ids = candidates.slice(batch * 1_000, (batch + 1) * 1_000).map((r) => String(r.id));
      await post('/api/auth/step-up', { password });
      const preview = await post('/api/orders/delete-preview', { ids });
      let since = process.cpuUsage();
      await post('/api/orders/delete', { ids, reason: { code: 'test_data', note: 'trigger cost' }, previewToken: preview.previewToken });
      const deleted = cpuMs(since);
      since = process.cpuUsage();
      await post('/api/recycle-bin/restore', { ids });
      return { deleted, restored: cpuMs(since) };
    };
    await round(2 * rounds); // warm-up: statement caches, pages
    const timed = { with: [] as Array<{ deleted: number; restored: number }>, without: [] as Array<{ deleted: number; restored: number }> };
    for (let r = 0; r < rounds; r++) {
      timed.with.push(await round(2 * r));
      for (const t of triggers) await sql.raw(`drop trigger ${t.name}`).execute(db);
      try {
        timed.without.push(await round(2 * r + 1));
      } finally {
        for (const t of triggers) await sql.raw(t.sql).execute(db);
      }
    }
    const med = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    return (['deleted', 'restored'] as const).map((what) => {
      const withTriggers = med(timed.with.map((x) => x[what]));
      const without = med(timed.without.map((x) => x[what]));
      return {
        operation: `${what === 'deleted' ? 'delete' : 'restore'} 1,000 confirmed orders: process CPU, median of ${rounds}`,
        measured: `${withTriggers.toFixed(1)} ms with triggers, ${without.toFixed(1)} ms without (${(withTriggers - without).toFixed(1)} ms)`,
        target: 'reported',
        pass: true,
      };
    });
  } finally {
    await app.close();
  }
}

export function printDashboardRows(rows: OperationRow[]): void {
  const width = Math.max(...rows.map((r) => r.operation.length));
  const measured = Math.max(34, ...rows.map((r) => r.measured.length));
  console.log(`\n${'operation'.padEnd(width)}  ${'measured'.padEnd(measured)}  target           result`);
  for (const r of rows) console.log(`${r.operation.padEnd(width)}  ${r.measured.padEnd(measured)}  ${r.target.padEnd(15)}  ${r.pass ? 'PASS' : 'FAIL'}`);
}

async function main(): Promise<number> {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i === -1 ? fallback : Number(process.argv[i + 1]);
  };
  const orders = arg('orders', 1_000_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderly-bench-dashboard-'));
  const config = loadConfig({ ORDERLY_DB: path.join(dir, 'orderly.db'), ORDERLY_LOG_LEVEL: 'silent', ORDERLY_JOBS: 'off', ORDERLY_ADMIN_PASSWORD: 'bench-admin-password' });
  const ctx = connect(config.database);
  try {
    await migrateToLatest(ctx.kysely, ctx.dialect);
    await bootstrap(ctx, 'bench-admin-password');
    console.log(`SQLite: seeding ${orders.toLocaleString('en')} orders…`);
    const seeded = await bulkSeed(ctx, config.database, { orders });
    console.log(`  seeded in ${seeded.seconds.toFixed(1)} s`);
    // Some orders in the recycle bin, as a company that deletes has: the drafts and cancelled among the first tenth.
    const now = new Date().toISOString();
    await ctx.kysely
      .updateTable('orders')
      .set({ deleted_at: now, delete_reason: 'duplicate', purge_after: new Date(Date.now() + 5 * 86_400_000).toISOString() })
      .where('status', 'in', ['draft', 'cancelled'])
      .where((eb) => eb(eb.ref('id'), '<', Math.floor(orders / 10)))
      .execute();
    // The bench server runs without the job runner: fold what that update appended as its compaction job would.
    let started = performance.now();
    const { folded } = await compactDashboardSummary(ctx);
    console.log(`  compaction folded ${folded.toLocaleString('en')} deltas in ${(performance.now() - started).toFixed(0)} ms`);
    const rows = await measureDashboard(ctx, { rounds: arg('rounds', 20) });
    started = performance.now();
    rows.push(...(await measureTriggerCost(ctx, config, 'bench-admin-password', arg('trigger-rounds', 5))));
    console.log(`  trigger cost measured in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    printDashboardRows(rows);
    return rows.every((r) => r.pass) ? 0 : 1;
  } finally {
    await ctx.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
