/**
 * `npm run bench [-- --orders N] [--only sqlite|postgres] [--seconds S] [--warmup S] [--workers 1,2] [--concurrency N] [--skip deletion,dispatch,cleanup,dashboard,export,backup] [--sqlite-file PATH]`
 *
 * For each database: seed N orders (default 1,000,000) into a fresh database (a temporary SQLite file; a
 * throw-away PostgreSQL database when BENCH_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test is
 * reachable, dropped afterwards), start the real app (dist/src/server/main.js) with 1 and then 2 worker
 * processes on 127.0.0.1, sign in, and run each scenario for a fixed time after its warm-up from a load
 * generator in a process of its own. Prints req/s, p50/p95/p99 and the server's CPU per request against each
 * scenario's target; a full run writes its results into bench/README.md.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { execFileSync, fork } from 'node:child_process';
import pg from 'pg';
import { bulkSeed } from '../src/cli/bulk-seed.js';
import { loadConfig, type Config } from '../src/server/config.js';
import type { Db, Dialect } from '../src/server/db/connect.js';
import { openDatabase } from '../src/server/main.js';
import type { LoadJob, LoadMessage, LoadResult } from './load-worker.js';
import { measureOperations, OPERATIONS, printOperations, type Operation, type OperationRow } from './operations.js';
import { BIN_ORDERS, emptyRecycleBin, fillRecycleBin } from './recycle-bin.js';
import { SCENARIOS, type BenchContext, type Scenario } from './scenarios.js';
import { onlyFlag, wholeNumberFlag } from './cli-options.js';
import { startAppServer } from './server.js';

const ADMIN_PASSWORD = 'bench-admin-password';
const POSTGRES_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Options {
  orders: number;
  only?: Dialect;
  /** Distinct requests prepared per scenario (sent in turn for the whole timed run). */
  requests: number;
  seconds: number;
  warmupSeconds: number;
  workers: number[];
  concurrency: number;
  skip: Operation[];
  /** A SQLite file kept between runs: seeded when it does not exist yet, reused as it is when it does. */
  sqliteFile?: string;
}

function readOptions(): Options {
  const { values } = parseArgs({
    options: {
      orders: { type: 'string' },
      only: { type: 'string' },
      requests: { type: 'string' },
      seconds: { type: 'string' },
      warmup: { type: 'string' },
      workers: { type: 'string' },
      concurrency: { type: 'string' },
      skip: { type: 'string' },
      'sqlite-file': { type: 'string' },
    },
    strict: true,
  });
  const count = wholeNumberFlag;
  const skip = (values.skip ?? '').split(',').filter(Boolean);
  const unknown = skip.filter((s) => !(OPERATIONS as readonly string[]).includes(s));
  if (unknown.length) throw new Error(`--skip takes a comma-separated list of ${OPERATIONS.join(', ')}; not ${unknown.join(', ')}`);
  return {
    orders: count(values.orders, 1_000_000, 'orders'),
    only: onlyFlag(values.only),
    requests: count(values.requests, 500, 'requests'),
    seconds: count(values.seconds, 10, 'seconds'),
    warmupSeconds: count(values.warmup, 2, 'warmup'),
    workers: (values.workers ?? '1,2').split(',').map((w) => count(w, 1, 'workers')),
    concurrency: count(values.concurrency, 10, 'concurrency'),
    skip: skip as Operation[],
    sqliteFile: values['sqlite-file'] && path.resolve(values['sqlite-file']),
  };
}

interface Target {
  config: Config;
  /** Already seeded by an earlier run (--sqlite-file): not seeded again. */
  seeded?: boolean;
  drop(): Promise<void>;
}

// Jobs off: the scheduled backup would otherwise copy the whole seeded database into ./data/backups in the
// middle of the timed scenarios (it runs 5 s after start when no backup younger than a day is there).
const environment = { ORDERLY_ADMIN_PASSWORD: ADMIN_PASSWORD, ORDERLY_LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: '0', ORDERLY_JOBS: 'off' };

function sqliteTarget(keptFile?: string): Target {
  if (keptFile) {
    return { config: loadConfig({ ...environment, ORDERLY_DB: keptFile }), seeded: fs.existsSync(keptFile), drop: async () => undefined };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderly-bench-'));
  return { config: loadConfig({ ...environment, ORDERLY_DB: path.join(dir, 'bench.db') }), drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
}

async function postgresTarget(): Promise<Target | undefined> {
  const admin = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch {
    return undefined;
  }
  const name = `orderly_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    config: loadConfig({ ...environment, DATABASE_URL: url.toString() }),
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      // pg's pool.end() resolves before its sockets have closed; forcing the drop while they linger would
      // kill them mid-goodbye and crash the process, so wait (briefly) for the sessions to go first.
      for (let tries = 0; tries < 50; tries++) {
        const { rows } = await client.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
        if (rows[0].n === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

/** Runs the job in a load-generator process of its own; `onTimedStart` fires when the warm-up is over. */
function runLoad(job: LoadJob, onTimedStart: () => void): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./load-worker.js', import.meta.url)), [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.on('message', (message: LoadMessage) => ('result' in message ? resolve(message.result) : onTimedStart()));
    child.once('error', reject);
    child.once('exit', (code) => code !== 0 && reject(new Error(`load generator exited with ${code}`)));
    child.send(job);
  });
}

const percentile = (sorted: number[], p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];

interface Row {
  scenario: string;
  requests: number;
  reqPerSecond: number;
  /** The throughput this row is judged against, if any. */
  minReqPerSecond?: number;
  /** The server's CPU time (all its processes) per request, in microseconds. */
  cpuPerRequestUs: number;
  p50: number;
  p95: number;
  p99: number;
  target: number;
  pass: boolean;
  note?: string;
}

const TABLE_HEADER = ['scenario', 'requests', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'server CPU/request', 'target', 'result'];
const cellsOf = (r: Row) => [
  r.scenario,
  String(r.requests),
  r.reqPerSecond.toFixed(0),
  r.p50.toFixed(1),
  r.p95.toFixed(1),
  r.p99.toFixed(1),
  `${r.cpuPerRequestUs.toFixed(0)} µs`,
  `p95 ≤ ${r.target} ms${r.minReqPerSecond ? `, ≥ ${r.minReqPerSecond.toLocaleString('en')} req/s` : ''}`,
  r.pass ? 'PASS' : 'FAIL',
];

function printTable(title: string, rows: Row[]): void {
  const cells = rows.map(cellsOf);
  const widths = TABLE_HEADER.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (values: string[]) => values.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  console.log(`\n${title}\n${line(TABLE_HEADER)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const c of cells) console.log(line(c));
  for (const r of rows.filter((x) => x.note)) console.log(`  note — ${r.scenario}: ${r.note}`);
}

/** What one database's run measured, for the console and for bench/README.md. */
interface DatabaseReport {
  label: string;
  seeding: string;
  scenarios: Array<{ workers: number; rows: Row[] }>;
  operations: OperationRow[];
  pass: boolean;
}

async function benchDatabase(target: Target, options: Options): Promise<DatabaseReport> {
  const { config } = target;
  let { ctx } = await openDatabase(config);
  try {
    let seeding = 'reused from an earlier run';
    if (target.seeded) {
      console.log(`\n${labelOf(config)}: reusing ${config.database.dialect === 'sqlite' ? config.database.file : 'the database'} as seeded before`);
    } else {
      console.log(`\n${labelOf(config)}: seeding ${options.orders.toLocaleString('en')} orders…`);
      // The bench's connections are closed for the load, as the seed command's are (a SQLite seed into the empty
      // book then writes the file directly), and opened again for the scenarios.
      const seeded = await bulkSeed(ctx, config.database, { orders: options.orders, log: (line) => console.log(line), releaseConnections: () => ctx.close() });
      ({ ctx } = await openDatabase(config));
      seeding = `${seeded.seconds.toFixed(1)} s (${Math.round(seeded.orders / seeded.seconds).toLocaleString('en')} orders/s, ${seeded.rowsPerSecond.toLocaleString('en')} rows/s)`;
      console.log(`  seeded in ${seeding}`);
    }
    return { label: labelOf(config), seeding, ...(await measureScenarios(config, ctx, options)) };
  } finally {
    await ctx.close();
  }
}

const labelOf = (config: Config) => (config.database.dialect === 'postgres' ? 'PostgreSQL' : 'SQLite');

async function signIn(baseUrl: string): Promise<Record<string, string>> {
  const login = await fetch(`${baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) });
  if (!login.ok) throw new Error(`sign-in failed: ${login.status} ${await login.text()}`);
  const cookie = login.headers.getSetCookie().find((c) => c.startsWith('orderly_session='))!.split(';')[0];
  return { cookie, 'x-csrf-token': ((await login.json()) as { csrfToken: string }).csrfToken };
}

type ScenarioOptions = Pick<Options, 'orders' | 'requests' | 'concurrency' | 'seconds' | 'warmupSeconds' | 'workers'>;

/**
 * For each worker count: serves the seeded database with that many worker processes, signs in as admin and
 * runs every scenario for `seconds` after `warmupSeconds`; then the single operations, on one worker; then the
 * recycle bin's scenarios, over a bin filled for them (bench/recycle-bin.ts) after the operations, so that neither
 * its 10,000 deletions nor their restore (a restore renews each order's `updated_at`) touch what the operations
 * measure: the deletion rounds, the stale drafts, the dashboard's pending deltas.
 */
export async function measureScenarios(config: Config, ctx: Db, options: ScenarioOptions & { skip?: Operation[] }): Promise<Omit<DatabaseReport, 'label' | 'seeding'>> {
  const scenarios = await runScenarios(config, ctx, SCENARIOS.filter((s) => !s.readsRecycleBin), options);
  console.log('  timing single operations (deletion, restore, dispatch, cleanup, dashboard, export, backup)…');
  const server = await startAppServer(config, 1, ADMIN_PASSWORD);
  let operations: OperationRow[];
  try {
    operations = await measureOperations(server.baseUrl, await signIn(server.baseUrl), ctx, config, ADMIN_PASSWORD, options.skip);
  } finally {
    await server.stop();
  }
  printOperations(`${labelOf(config)} — single operations at ${options.orders.toLocaleString('en')} orders`, operations);
  console.log(`  filling the recycle bin with up to ${BIN_ORDERS.toLocaleString('en')} orders for its scenarios…`);
  const binned = await fillRecycleBin(ctx);
  try {
    const inBin = await runScenarios(config, ctx, SCENARIOS.filter((s) => s.readsRecycleBin), options);
    for (const { workers, rows } of inBin) scenarios.find((s) => s.workers === workers)!.rows.push(...rows);
  } finally {
    // A --sqlite-file is kept for the next run, which fills the bin afresh.
    await emptyRecycleBin(ctx, binned);
  }
  return { scenarios, operations, pass: scenarios.every((s) => s.rows.every((r) => r.pass)) && operations.every((r) => r.pass) };
}

/** Each scenario of `list` for `seconds` after `warmupSeconds`, with each worker count of the options. */
async function runScenarios(config: Config, ctx: Db, list: Scenario[], options: ScenarioOptions): Promise<DatabaseReport['scenarios']> {
  const scenarios: DatabaseReport['scenarios'] = [];
  let prepared: Array<{ scenario: Scenario; requests: LoadJob['requests']; note?: string }> | undefined;
  for (const workers of options.workers) {
    const server = await startAppServer(config, workers, ADMIN_PASSWORD);
    try {
      const { baseUrl } = server;
      const headers = await signIn(baseUrl);
      const bench: BenchContext = {
        db: ctx,
        orders: options.orders,
        async get(pathname) {
          const res = await fetch(`${baseUrl}${pathname}`, { headers });
          if (!res.ok) throw new Error(`GET ${pathname} → ${res.status} ${await res.text()}`);
          return (await res.json()) as never;
        },
      };
      if (!prepared) {
        prepared = [];
        for (const scenario of list) prepared.push({ scenario, ...(await scenario.prepare(bench, options.requests)) });
      }
      // A fresh server process runs its first requests in the interpreter and reads its first pages from disk:
      // warm every scenario's path before any clock starts, so the first scenario does not pay for all of them.
      await runLoad({ baseUrl, headers, requests: prepared.flatMap((p) => p.requests.slice(0, 100)), warmupMs: 0, durationMs: 1, concurrency: options.concurrency }, () => undefined);

      const rows: Row[] = [];
      for (const { scenario, requests, note } of prepared) {
        let cpuAtStart = server.cpuSeconds();
        const result = await runLoad({ baseUrl, headers, requests, warmupMs: options.warmupSeconds * 1000, durationMs: options.seconds * 1000, concurrency: options.concurrency }, () => {
          cpuAtStart = server.cpuSeconds();
        });
        const cpuSeconds = server.cpuSeconds() - cpuAtStart;
        const sorted = [...result.latenciesMs].sort((a, b) => a - b);
        const p95 = percentile(sorted, 95);
        const reqPerSecond = (sorted.length / result.elapsedMs) * 1000;
        const target = scenario.targetP95Ms[ctx.dialect];
        // Issue 16's throughput floors are set for SQLite with one worker; elsewhere they are reported, not judged.
        const minReqPerSecond = ctx.dialect === 'sqlite' && workers === 1 ? scenario.minReqPerSecond : undefined;
        rows.push({
          scenario: scenario.name,
          requests: sorted.length,
          reqPerSecond,
          minReqPerSecond,
          cpuPerRequestUs: (cpuSeconds / Math.max(1, sorted.length)) * 1e6,
          p50: percentile(sorted, 50),
          p95,
          p99: percentile(sorted, 99),
          target,
          pass: result.failures === 0 && p95 <= target && reqPerSecond >= (minReqPerSecond ?? 0),
          note:
            [
              note,
              result.failures ? `${result.failures} failed, first: ${result.firstFailure}` : undefined,
              result.clientBusy > 0.8 ? `the load generator was ${Math.round(result.clientBusy * 100)} % busy: it may be the limit` : undefined,
            ]
              .filter(Boolean)
              .join('; ') || undefined,
        });
        console.log(`  ${workers} worker${workers > 1 ? 's' : ''}, ${scenario.name}: ${rows.at(-1)!.reqPerSecond.toFixed(0)} req/s, p95 ${p95.toFixed(1)} ms`);
      }
      printTable(`${labelOf(config)} — ${options.orders.toLocaleString('en')} orders, ${workers} worker process${workers > 1 ? 'es' : ''}, ${options.concurrency} concurrent clients, ${options.seconds} s each`, rows);
      scenarios.push({ workers, rows });
    } finally {
      await server.stop();
    }
  }
  return scenarios;
}

/** The machine, for the record: a benchmark number means little without what it ran on and what else ran. */
function machine(): string {
  const cpus = os.cpus();
  let sqlite: string;
  try {
    sqlite = execFileSync(process.execPath, ['-e', "const D=require('better-sqlite3');process.stdout.write(new D(':memory:').prepare('select sqlite_version() v').get().v)"], { encoding: 'utf8' });
  } catch {
    sqlite = 'unknown';
  }
  return `${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB, Linux ${os.release()}, Node ${process.version}, SQLite ${sqlite}`;
}

const markdownTable = (header: string[], rows: string[][]) =>
  [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`)].join('\n');

const LAST_RUN_START = '<!-- last full run: written by npm run bench -->';
const LAST_RUN_END = '<!-- end of last full run -->';

/** Replaces the last-run section of bench/README.md (between its markers) with this run's results. */
function writeReadme(reports: DatabaseReport[], options: Options, loads: { before: number[]; after: number[] }, seconds: number): void {
  const readme = fileURLToPath(new URL('../../bench/README.md', import.meta.url));
  const text = fs.readFileSync(readme, 'utf8');
  const at = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' / ');
  const parts = [
    LAST_RUN_START,
    `## Last full run (${at} UTC, \`npm run bench\`, ${Math.round(seconds)} s)`,
    '',
    `Machine: ${machine()}. Load average (1 / 5 / 15 min) before: ${load(loads.before)}, after: ${load(loads.after)}.`,
    `${options.orders.toLocaleString('en')} orders, ${options.concurrency} concurrent clients, each scenario ${options.seconds} s after ${options.warmupSeconds} s of warm-up.`,
  ];
  for (const report of reports) {
    parts.push('', `### ${report.label}`, '', `Seeding: ${report.seeding}.`);
    for (const { workers, rows } of report.scenarios) parts.push('', `${workers} worker process${workers > 1 ? 'es' : ''}:`, '', markdownTable(TABLE_HEADER, rows.map(cellsOf)));
    parts.push('', markdownTable(['operation', 'measured', 'target', 'result'], report.operations.map((r) => [r.operation, r.measured, r.target, r.pass ? 'PASS' : 'FAIL'])));
  }
  parts.push(LAST_RUN_END);
  const section = parts.join('\n');
  const from = text.indexOf(LAST_RUN_START);
  const to = text.indexOf(LAST_RUN_END);
  const next = from >= 0 && to > from ? `${text.slice(0, from)}${section}${text.slice(to + LAST_RUN_END.length)}` : `${text.trimEnd()}\n\n${section}\n`;
  fs.writeFileSync(readme, next);
  console.log(`\nResults written to ${readme}.`);
}

async function main(): Promise<number> {
  const options = readOptions();
  const started = performance.now();
  const loads = { before: os.loadavg(), after: [] as number[] };
  const reports: DatabaseReport[] = [];
  let complete = true;
  if (options.only !== 'postgres') {
    const target = sqliteTarget(options.sqliteFile);
    try {
      reports.push(await benchDatabase(target, options));
    } finally {
      await target.drop();
    }
  }
  if (options.only !== 'sqlite') {
    const target = await postgresTarget();
    if (!target) {
      console.log(`\nPostgreSQL at ${POSTGRES_URL} is not reachable: skipped (set BENCH_DATABASE_URL).`);
      complete = false;
      if (options.only === 'postgres') return 1;
    } else {
      try {
        reports.push(await benchDatabase(target, options));
      } finally {
        await target.drop();
      }
    }
  }
  loads.after = os.loadavg();
  const seconds = (performance.now() - started) / 1000;
  const allPassed = reports.every((r) => r.pass);
  // Only a full run replaces the recorded one: a partial run (--only, --skip, fewer orders) would hide what it left out.
  if (complete && !options.only && options.skip.length === 0 && options.orders === 1_000_000 && !options.sqliteFile) writeReadme(reports, options, loads, seconds);
  console.log(`\nBenchmark finished in ${seconds.toFixed(0)} s: ${allPassed ? 'all scenarios PASS' : 'some scenarios FAIL'}.`);
  return allPassed ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
