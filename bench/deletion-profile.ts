/**
 * Delete-preview, delete and restore of 1,000 confirmed orders, in process and statement by statement: the
 * service functions the routes call (`previewDeletion`, `deleteOrders`, `restoreOrders`), on the database of
 * `ORDERLY_DB` or `DATABASE_URL` (migrated first), on fresh orders each round. Run it on a copy of a seeded file:
 * it leaves the orders restored but adds journal, audit and outbox rows.
 *
 *   node dist/bench/deletion-profile.js [--rounds 5] [--batch 1000] [--skip N] [--statements] [--keep-wal] [--gap-ms N] [--pages]
 *
 * Besides wall-clock time it reports CPU time, which a loaded machine distorts far less: this process's main
 * thread (`/proc/self/task/<pid>/schedstat`: JavaScript, and on SQLite every statement and the commit's WAL
 * writes; not the checkpointer's thread) and, on PostgreSQL, the backend's (one connection, its schedstat).
 * `commit` is from the last statement's result to the command's return. On SQLite it also counts the WAL
 * frames each command wrote (the log is checkpointed and truncated between commands, outside the timing, so
 * the file's length afterwards is that command's pages). `--keep-wal` leaves the log to the checkpointer thread
 * instead, as a server does: commands then meet the previous command's checkpoint, as they do in `npm run bench`;
 * `--gap-ms` waits that long before each command (outside the timing), as the time between a person's clicks.
 * `--pages` (SQLite, without `--keep-wal`) counts each command's log pages by the table or index they belong to.
 * `--skip N` passes over the N newest candidates: every run leaves its orders restored, with one more release and
 * reserve per line each round, so runs to compare on one database take orders of their own.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { sql, type CompiledQuery, type Kysely, type RootOperationNode } from 'kysely';
import { loadConfig } from '../src/server/config.js';
import { connect, type Db } from '../src/server/db/connect.js';
import type { DB } from '../src/server/db/schema.js';
import { migrateToLatest } from '../src/server/db/migrate.js';
import { previewDeletion, deleteOrders } from '../src/server/modules/deletion/deletion.service.js';
import { restoreOrders } from '../src/server/modules/recycle-bin/recycle-bin.service.js';
import { systemActor, type Actor } from '../src/server/platform/actor.js';
import { deletableConfirmedOrders } from './operations.js';

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, batch: { type: 'string', default: '1000' }, statements: { type: 'boolean', default: false }, 'keep-wal': { type: 'boolean', default: false }, 'gap-ms': { type: 'string', default: '0' }, pages: { type: 'boolean', default: false }, skip: { type: 'string', default: '0' } } });
const GAP_MS = Number(args['gap-ms']);
const ROUNDS = Number(args.rounds);
const BATCH = Number(args.batch);

/** Nanoseconds a thread has run on a CPU (the kernel's scheduler statistics, not sampled). */
const threadCpuNs = (pid: number, tid = pid) => Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);

interface Timed {
  label: string;
  wallMs: number;
  cpuMs: number;
}

/** Where a statement comes from: the first frame of the service code that issued it. */
function callerOf(stack: string | undefined): string {
  for (const line of (stack ?? '').split('\n').slice(1)) {
    const m = /at (?:async )?([\w.<>]+) \(.*\/src\/server\/(modules|platform)\//.exec(line);
    if (m) return m[1];
  }
  return '?';
}

function describeNode(node: RootOperationNode): string {
  const table = (n: unknown): string => {
    const t = n as { kind?: string; table?: { identifier?: { name?: string } }; node?: unknown; froms?: unknown[] };
    if (t?.kind === 'TableNode') return t.table?.identifier?.name ?? '';
    if (t?.kind === 'AliasNode') return table(t.node);
    return '';
  };
  switch (node.kind) {
    case 'SelectQueryNode':
      return `select ${node.from?.froms.map(table).join(',') ?? ''}`;
    case 'InsertQueryNode':
      return `insert ${table(node.into)}`;
    case 'UpdateQueryNode':
      return `update ${table(node.table)}`;
    case 'DeleteQueryNode':
      return `delete ${node.from.froms.map(table).join(',')}`;
    case 'RawNode': {
      const text = node.sqlFragments.join('?').replace(/\s+/g, ' ').trim();
      const eachRow = /^\/\* each row \*\/ insert into "?(\w+)/.exec(text);
      return eachRow ? `insert ${eachRow[1]} (each row)` : text.slice(0, 48);
    }
    default:
      return node.kind;
  }
}

/**
 * Times every statement from the moment it goes to the database to its result, in wall-clock and main-thread CPU:
 * those built by a query builder and those handed over compiled (the journals' inserts, the reads compiled once),
 * which no plugin sees before they run.
 */
class StatementTimer {
  statements: Timed[] = [];
  lastResultAt = 0;
  lastResultCpu = 0;
  constructor(private readonly cpu: () => number) {}

  /** Wraps executeQuery where every executor of this Kysely inherits it, a transaction's too. */
  install(kysely: Kysely<DB>): void {
    let proto = Object.getPrototypeOf(kysely.getExecutor()) as Record<string, unknown> | null;
    while (proto && !Object.hasOwn(proto, 'executeQuery')) proto = Object.getPrototypeOf(proto) as Record<string, unknown> | null;
    if (!proto) throw new Error("Kysely's executor has no executeQuery");
    const execute = proto.executeQuery as (this: unknown, query: CompiledQuery, ...rest: unknown[]) => Promise<unknown>;
    const started = (query: CompiledQuery) => ({ label: `${callerOf(new Error().stack)}: ${describeNode(query.query)}`, wall: performance.now(), cpu: this.cpu() });
    const ended = (start: ReturnType<typeof started>) => {
      this.lastResultAt = performance.now();
      this.lastResultCpu = this.cpu();
      this.statements.push({ label: start.label, wallMs: this.lastResultAt - start.wall, cpuMs: (this.lastResultCpu - start.cpu) / 1e6 });
    };
    proto.executeQuery = async function (this: unknown, query: CompiledQuery, ...rest: unknown[]) {
      const start = started(query);
      try {
        return await execute.call(this, query, ...rest);
      } finally {
        ended(start);
      }
    };
  }
}

/**
 * The WAL's state from the shared-memory index (the wal-index header, then the checkpoint info): the log's last
 * valid frame (`mxFrame`) and how many frames a checkpoint has copied back (`nBackfill`). A command whose commit
 * finds them equal starts the log afresh; otherwise it appends behind the frames still waiting for the checkpoint.
 */
function walState(shmFile: string): { mxFrame: number; nBackfill: number } {
  const fd = fs.openSync(shmFile, 'r');
  try {
    const header = Buffer.alloc(100);
    fs.readSync(fd, header, 0, 100, 0);
    return { mxFrame: header.readUInt32LE(16), nBackfill: header.readUInt32LE(96) };
  } finally {
    fs.closeSync(fd);
  }
}

interface PhaseRun {
  /** --keep-wal: frames still to be checkpointed when the command started and when it ended. */
  walBehind?: [number, number];
  wallMs: number;
  cpuMs: number;
  backendCpuMs: number;
  commitWallMs: number;
  commitCpuMs: number;
  walFrames: number;
  /** --pages: the log's distinct pages by the table or index they belong to. */
  pagesBy?: Map<string, number>;
  statements: Timed[];
}

/** Page number → table or index, from SQLite's dbstat table (one pass over the file; pages allocated later read as "(new page)"). */
async function pageOwners(file: string): Promise<Map<number, string>> {
  const { default: Database } = await import('better-sqlite3');
  const reader = new Database(file, { readonly: true });
  try {
    return new Map((reader.prepare('select pageno, name from dbstat').all() as Array<{ pageno: number; name: string }>).map((r) => [r.pageno, r.name]));
  } finally {
    reader.close();
  }
}

/** The distinct pages a WAL file holds (each frame: a 24-byte header, its first 4 bytes the page number), counted per owner. */
function walPagesBy(walFile: string, owners: Map<number, string>): Map<string, number> {
  const wal = fs.readFileSync(walFile);
  if (wal.length < 32) return new Map();
  const pageSize = wal.readUInt32BE(8);
  const pages = new Set<number>();
  for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) pages.add(wal.readUInt32BE(at));
  const by = new Map<string, number>();
  for (const page of pages) {
    const name = owners.get(page) ?? '(new page)';
    by.set(name, (by.get(name) ?? 0) + 1);
  }
  return by;
}

async function main() {
  const config = loadConfig();
  const db: Db = connect(config.database.dialect === 'postgres' ? { ...config.database, poolSize: 1 } : config.database);
  await migrateToLatest(db.kysely, db.dialect);
  const pid = process.pid;
  const backendPid = db.dialect === 'postgres' ? Number((await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db.kysely)).rows[0].pid) : undefined;
  const backendCpu = () => (backendPid ? threadCpuNs(backendPid) : 0);
  const timer = new StatementTimer(() => threadCpuNs(pid));
  timer.install(db.kysely);
  const actor: Actor = { ...systemActor('deletion-profile'), permissions: { ...systemActor('x').permissions, 'orders.restore': 'all' } };
  const dbFile = config.database.dialect === 'sqlite' ? config.database.file : undefined;
  const walFile = dbFile && `${dbFile}-wal`;
  const shmFile = dbFile && `${dbFile}-shm`;

  const owners = args.pages && dbFile ? await pageOwners(dbFile) : undefined;
  const skip = Number(args.skip);
  const candidates = (await deletableConfirmedOrders(db, skip + BATCH * (ROUNDS + 1))).slice(skip);
  if (candidates.length < BATCH * (ROUNDS + 1)) throw new Error(`only ${candidates.length} confirmed orders without payments`);

  const phases = { preview: [] as PhaseRun[], delete: [] as PhaseRun[], restore: [] as PhaseRun[] };
  async function timed<T>(phase: keyof typeof phases | null, work: () => Promise<T>): Promise<T> {
    // Refused as busy while the checkpointer thread is copying the previous command's log: asked again until done.
    for (let tries = 0; walFile && !args['keep-wal'] && tries < 100; tries++) {
      const { rows } = await sql<{ busy: number }>`pragma wal_checkpoint(TRUNCATE)`.execute(db.kysely);
      if (rows[0].busy === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // A person reads the preview and the success message; a client sends its next request a moment later.
    if (GAP_MS > 0) await new Promise((resolve) => setTimeout(resolve, GAP_MS));
    timer.statements = [];
    const before = shmFile && args['keep-wal'] ? walState(shmFile) : undefined;
    const wall0 = performance.now();
    const cpu0 = threadCpuNs(pid);
    const backend0 = backendCpu();
    const result = await work();
    const wall1 = performance.now();
    const cpu1 = threadCpuNs(pid);
    const run: PhaseRun = {
      wallMs: wall1 - wall0,
      cpuMs: (cpu1 - cpu0) / 1e6,
      backendCpuMs: (backendCpu() - backend0) / 1e6,
      commitWallMs: wall1 - timer.lastResultAt,
      commitCpuMs: (cpu1 - timer.lastResultCpu) / 1e6,
      walFrames: walFile && fs.existsSync(walFile) ? Math.max(0, Math.round((fs.statSync(walFile).size - 32) / (4096 + 24))) : 0,
      statements: [...timer.statements],
    };
    if (owners && walFile && fs.existsSync(walFile)) run.pagesBy = walPagesBy(walFile, owners);
    if (before && shmFile) {
      const after = walState(shmFile);
      run.walBehind = [before.mxFrame - before.nBackfill, after.mxFrame];
    }
    if (phase) phases[phase].push(run);
    return result;
  }

  // Round 0 warms the statement caches and the pages read; it is not reported.
  for (let round = 0; round <= ROUNDS; round++) {
    const ids = candidates.slice(round * BATCH, (round + 1) * BATCH).map((r) => String(r.id));
    const report = round > 0;
    const preview = await timed(report ? 'preview' : null, () => previewDeletion(db, actor, { ids }));
    const deleted = await timed(report ? 'delete' : null, () => deleteOrders(db, actor, { ids, reason: { code: 'test_data', note: 'profile' }, previewToken: preview.previewToken }));
    if (deleted.deleted.length !== BATCH) throw new Error(`deleted ${deleted.deleted.length}`);
    const restored = await timed(report ? 'restore' : null, () => restoreOrders(db, actor, { ids }));
    if (restored.restored.length !== BATCH) throw new Error(`restored ${restored.restored.length}`);
  }

  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  const fmt = (v: number[]) => `${median(v).toFixed(1)} (${Math.min(...v).toFixed(1)}–${Math.max(...v).toFixed(1)})`;
  console.log(`${db.dialect}, ${ROUNDS} rounds of ${BATCH} orders; median (min–max) ms; load average ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  for (const [name, runs] of Object.entries(phases)) {
    const backend = db.dialect === 'postgres' ? `, backend CPU ${fmt(runs.map((r) => r.backendCpuMs))}` : '';
    const wal = walFile ? `, WAL frames ${fmt(runs.map((r) => r.walFrames))}` : '';
    console.log(
      `${name.padEnd(8)} wall ${fmt(runs.map((r) => r.wallMs))}, CPU ${fmt(runs.map((r) => r.cpuMs))}${backend}; ${runs[0].statements.length} statements; ` +
        `commit wall ${fmt(runs.map((r) => r.commitWallMs))}, CPU ${fmt(runs.map((r) => r.commitCpuMs))}${wal}`,
    );
    if (args['keep-wal']) {
      console.log(`    per round: ${runs.map((r) => `wall ${r.wallMs.toFixed(0)} ms, commit ${r.commitWallMs.toFixed(0)} ms wall / ${r.commitCpuMs.toFixed(0)} ms CPU, log ${r.walBehind![0]} frames behind at start, ${r.walBehind![1]} frames at end`).join('; ')}`);
    }
    if (args.pages) {
      const names = [...new Set(runs.flatMap((r) => [...(r.pagesBy ?? new Map<string, number>()).keys()]))];
      const byName = names.map((name) => [name, median(runs.map((r) => r.pagesBy?.get(name) ?? 0))] as const).sort((a, b) => b[1] - a[1]);
      console.log(`    pages (median): ${byName.map(([name, n]) => `${name} ${n}`).join(', ')}`);
    }
    if (!args.statements) continue;
    const n = runs[0].statements.length;
    for (let i = 0; i < n; i++) {
      const wall = runs.map((r) => r.statements[i]?.wallMs ?? 0);
      const cpu = runs.map((r) => r.statements[i]?.cpuMs ?? 0);
      console.log(`    ${runs[0].statements[i].label.padEnd(64)} wall ${median(wall).toFixed(2).padStart(7)}  CPU ${median(cpu).toFixed(2).padStart(7)}`);
    }
  }
  await db.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
