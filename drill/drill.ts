/**
 * One database's drill: the fuzzer, the crash rounds, the races and the tampering table, each on a fresh
 * database of its own so one drill's leftovers never blur another's verdict. Used by `npm run drill`
 * (drill/run.ts) and by the short run inside `npm test` (test/drill.test.ts).
 */
import type { Dialect } from '../src/server/db/connect.js';
import { buildApp } from '../src/server/app.js';
import { checkInvariants } from '../src/server/modules/integrity/invariants.js';
import { AUDIT_VERIFICATION, checkpointForDrill, verifyAuditForDrill } from './audit-verification.js';
import { DrillClient } from './client.js';
import { runCrashDrill, type CrashResult } from './crash.js';
import { createDrillDatabase, DRILL_ADMIN_PASSWORD, type DrillDatabase } from './databases.js';
import { runFuzz, seedForFuzz, type FuzzResult } from './fuzz.js';
import { runIdempotentDelete, runLockout, type IdempotentDeleteResult, type LockoutResult } from './races.js';
import { runTamperDrill, type TamperOutcome } from './tamper.js';

export interface DrillOptions {
  requests: number;
  rounds: number;
  orders: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface DrillReport {
  dialect: Dialect;
  fuzz: FuzzResult & { invariantViolations: number; auditOk: boolean; auditDetail: string };
  crash: CrashResult;
  idempotentDelete: IdempotentDeleteResult;
  lockout: LockoutResult;
  tampering: TamperOutcome[];
  seconds: number;
}

/** A row of the printed table: what was checked, what happened, what it should be. */
export interface Check {
  check: string;
  result: string;
  target: string;
  pass: boolean;
}

async function withApp<T>(dialect: Dialect, run: (db: DrillDatabase, app: Awaited<ReturnType<typeof buildApp>>) => Promise<T>): Promise<T> {
  const db = await createDrillDatabase(dialect);
  try {
    const app = await buildApp(db.config, db.ctx, { logger: false });
    try {
      await app.ready();
      return await run(db, app);
    } finally {
      await app.close();
    }
  } finally {
    await db.drop();
  }
}

export async function runDrill(dialect: Dialect, options: DrillOptions): Promise<DrillReport> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);

  log(`[${dialect}] fuzzing ${options.requests.toLocaleString('en')} requests…`);
  const fuzz = await withApp(dialect, async (db, app) => {
    await seedForFuzz(await new DrillClient({ app }).login('admin', DRILL_ADMIN_PASSWORD));
    // Signed before the fuzzing: entries lost or rewritten by a fuzzed request then show against it.
    await checkpointForDrill(db.ctx, db.config.auditSigningKey);
    const result = await runFuzz(app, { requests: options.requests, seed: options.seed, adminPassword: DRILL_ADMIN_PASSWORD });
    const violations = await checkInvariants(db.ctx.kysely, { limitPerCheck: 10 });
    const audit = await verifyAuditForDrill(db.ctx.kysely, db.config.auditSigningKey);
    let auditDetail = audit.detail;
    if (audit.firstBrokenId !== undefined) {
      // Which fuzzed request left an entry that no longer verifies: the finding is only useful with its input.
      const row = await db.ctx.kysely.selectFrom('audit_log').selectAll().where('id', '=', audit.firstBrokenId).executeTakeFirst();
      if (row) auditDetail += ` (${row.action}, actor name ${JSON.stringify(row.actor_name).slice(0, 40)}, label ${JSON.stringify(row.entity_label).slice(0, 40)})`;
    }
    return { ...result, invariantViolations: violations.length, auditOk: audit.ok, auditDetail };
  });

  log(`[${dialect}] crash rounds: ${options.rounds} × kill -9 during bulk delete/restore of ${options.orders.toLocaleString('en')} orders…`);
  const crash = await withApp(dialect, (db, app) =>
    runCrashDrill(app, db.ctx, db.config, { rounds: options.rounds, orders: options.orders, adminPassword: DRILL_ADMIN_PASSWORD, seed: options.seed, log }),
  );

  log(`[${dialect}] races and audit tampering…`);
  const { idempotentDelete, lockout, tampering } = await withApp(dialect, async (db, app) => {
    const idempotentDelete = await runIdempotentDelete(app, db.ctx.kysely, DRILL_ADMIN_PASSWORD);
    const lockout = await runLockout(app, db.ctx.kysely, DRILL_ADMIN_PASSWORD);
    // The races above left a real history (sign-ins, an order's life, a deletion, failed logins) to tamper with.
    const tampering = await runTamperDrill(db.ctx, db.config.auditSigningKey);
    return { idempotentDelete, lockout, tampering };
  });

  return { dialect, fuzz, crash, idempotentDelete, lockout, tampering, seconds: (performance.now() - started) / 1000 };
}

const n = (v: number) => v.toLocaleString('en');
const statusList = (byStatus: Record<string, number>) =>
  Object.entries(byStatus)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([s, c]) => `${s}×${n(c)}`)
    .join(' ');

export function checksOf(report: DrillReport, minRequests: number, rounds: number): Check[] {
  const { fuzz, crash, idempotentDelete: idem, lockout, tampering } = report;
  const detectedRows = tampering.filter((t) => t.expected === 'detected');
  const exceptionRows = tampering.filter((t) => t.expected !== 'detected');
  return [
    { check: 'fuzz: requests sent', result: `${n(fuzz.requests)} over ${fuzz.routes} routes`, target: `≥ ${n(minRequests)}`, pass: fuzz.requests >= minRequests },
    {
      check: 'fuzz: 5xx answers',
      result: `${n(fuzz.serverErrors)}`,
      target: '0',
      pass: fuzz.serverErrors === 0,
    },
    { check: 'fuzz: invariants afterwards', result: `${fuzz.invariantViolations} violations`, target: '0', pass: fuzz.invariantViolations === 0 },
    {
      check: 'fuzz: audit verifies afterwards',
      result: fuzz.auditDetail,
      target: 'intact',
      pass: fuzz.auditOk,
    },
    {
      check: 'crash: rounds intact',
      result: `${crash.intactRounds}/${crash.rounds.length} (${crash.committed} committed, ${crash.rolledBack} rolled back)`,
      target: `${rounds}/${rounds}`,
      pass: crash.intactRounds === rounds && crash.rounds.length === rounds,
    },
    {
      check: `idempotent delete × ${idem.repeats}`,
      result: `${statusList(idem.statuses)}; ${idem.batchIds} batch; effects ${Object.values(idem.effects).join('/')}`,
      target: 'one effect',
      pass: idem.oneEffect,
    },
    {
      check: `wrong passwords × ${lockout.attempts} at once`,
      result: `${lockout.locked ? 'locked' : 'NOT locked'}; ${lockout.failedLoginEntries} failures audited; right password → ${lockout.rightPasswordStatus}`,
      target: 'locked',
      pass: lockout.locked && lockout.failedLoginEntries === lockout.attempts,
    },
    {
      check: 'tampering: detected',
      result: `${detectedRows.filter((t) => t.detected).length}/${detectedRows.length}`,
      target: `${detectedRows.length}/${detectedRows.length}`,
      pass: detectedRows.every((t) => t.detected),
    },
    {
      check: 'tampering: documented exceptions',
      result: `${exceptionRows.filter((t) => t.detected).length}/${exceptionRows.length} detected`,
      target: `as documented (${AUDIT_VERIFICATION})`,
      pass: exceptionRows.every((t) => t.asExpected),
    },
  ];
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function formatReport(report: DrillReport, checks: Check[]): string {
  const out: string[] = [];
  out.push(`\n═══ Drill on ${report.dialect} (${report.seconds.toFixed(0)} s) ═══`);
  out.push(table(['check', 'result', 'target', 'verdict'], checks.map((c) => [c.check, c.result, c.target, c.pass ? 'PASS' : 'FAIL'])));
  out.push(`\nfuzz statuses: ${statusList(report.fuzz.byStatus)}${report.fuzz.unsendable ? `; ${report.fuzz.unsendable} not sendable` : ''}${report.fuzz.sessionsLost ? `; admin session lost ${report.fuzz.sessionsLost}×` : ''} (${report.fuzz.seconds.toFixed(0)} s)`);
  if (report.fuzz.findings.length) {
    const grouped = new Map<string, { count: number; example: string; statuses: Set<number> }>();
    for (const f of report.fuzz.findings) {
      const key = `${f.method} ${f.route} — ${f.what.replace(/ \(signed out\)$/, '')}`;
      const entry = grouped.get(key) ?? { count: 0, example: f.detail, statuses: new Set<number>() };
      entry.count++;
      entry.statuses.add(f.status);
      grouped.set(key, entry);
    }
    out.push(`5xx found (${grouped.size} distinct route × input):`);
    for (const [key, g] of [...grouped].sort(([a], [b]) => (a < b ? -1 : 1))) out.push(`  ${[...g.statuses].join('/')} ×${g.count}  ${key}`);
  }
  const c = report.crash;
  out.push(`\ncrash: ${c.orders} orders; uninterrupted delete ${c.calibration.deleteMs.toFixed(0)} ms, restore ${c.calibration.restoreMs.toFixed(0)} ms; ${c.rounds.length} rounds in ${c.seconds.toFixed(0)} s`);
  for (const outcome of ['committed', 'rolled back'] as const) {
    for (const operation of ['delete', 'restore'] as const) {
      const times = c.rounds.filter((r) => r.outcome === outcome && r.operation === operation).map((r) => r.killAfterMs);
      if (times.length) out.push(`  ${operation} ${outcome} ×${times.length}: killed ${Math.min(...times)}–${Math.max(...times)} ms after it was sent`);
    }
  }
  for (const r of c.rounds.filter((x) => !x.intact)) out.push(`  round ${r.round} (${r.operation}, killed after ${r.killAfterMs} ms): ${r.problem}`);
  out.push(`\naudit tampering (verified by ${AUDIT_VERIFICATION}):`);
  out.push(
    table(
      ['scenario', 'kind', 'expected', 'outcome', 'how'],
      report.tampering.map((t) => [t.name, t.kind, t.expected, `${t.detected ? 'detected' : 'not detected'}${t.asExpected ? '' : '  ✖'}`, t.how]),
    ),
  );
  return out.join('\n');
}
