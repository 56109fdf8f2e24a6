/**
 * Dashboard queries (issue #15): each aggregate of GET /api/dashboard, timed in-process on a seeded database,
 * for a reader of every order and for one sales rep (own orders). Target: p95 under 200 ms at 1,000,000 orders
 * on SQLite. `measureDashboard` is what bench/run.ts calls after seeding; run alone it seeds its own database:
 *
 *   node dist/bench/dashboard.js [--orders 1000000] [--rounds 20]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bulkSeed } from '../src/cli/bulk-seed.js';
import { DASHBOARD_MONTHS, DELETION_MONTHS } from '../src/contracts/dashboard.js';
import { loadConfig } from '../src/server/config.js';
import { connect, type Db } from '../src/server/db/connect.js';
import { migrateToLatest } from '../src/server/db/migrate.js';
import { countByStatus, deletionsSince, pendingRestoreRequests, recycleBinFigures, revenueSince } from '../src/server/modules/dashboard/dashboard.queries.js';
import { lastMonths } from '../src/server/modules/dashboard/dashboard.service.js';
import { bootstrap } from '../src/server/modules/users/users.service.js';
import type { OperationRow } from './operations.js';

export const DASHBOARD_TARGET_MS = 200;

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

/** One row per query and scope: p50/p95 of `rounds` runs against the target. */
export async function measureDashboard(ctx: Db, options: { rounds?: number } = {}): Promise<OperationRow[]> {
  const rounds = options.rounds ?? 20;
  const db = ctx.kysely;
  const now = new Date();
  const months = lastMonths(DASHBOARD_MONTHS, now);
  const from = `${months[0]}-01T00:00:00.000Z`;
  const deletedFrom = `${months[DASHBOARD_MONTHS - DELETION_MONTHS]}-01T00:00:00.000Z`;
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
  const rows: OperationRow[] = [];
  for (const [name, run] of queries) {
    for (const [scope, owner] of [
      ['all orders', undefined],
      ['one rep', rep],
    ] as const) {
      const { p50, p95 } = await time(rounds, () => run(owner));
      rows.push({ operation: `dashboard: ${name} (${scope})`, measured: `p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms`, target: `p95 < ${DASHBOARD_TARGET_MS} ms`, pass: p95 < DASHBOARD_TARGET_MS });
    }
  }
  return rows;
}

export function printDashboardRows(rows: OperationRow[]): void {
  const width = Math.max(...rows.map((r) => r.operation.length));
  console.log(`\n${'operation'.padEnd(width)}  ${'measured'.padEnd(34)}  target           result`);
  for (const r of rows) console.log(`${r.operation.padEnd(width)}  ${r.measured.padEnd(34)}  ${r.target.padEnd(15)}  ${r.pass ? 'PASS' : 'FAIL'}`);
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
    const rows = await measureDashboard(ctx, { rounds: arg('rounds', 20) });
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
