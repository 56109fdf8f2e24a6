/**
 * The short run of `npm run drill` (issue #10) inside `npm test`, on each database: a few hundred fuzzed
 * requests, three kill -9 rounds, the races and every tampering row. The full run is `npm run drill`.
 *
 * The audit log is verified against checkpoints signed with a key generated for the run (drill/audit-verification.ts).
 *
 * The crash rounds fork the built server (dist/drill/crash-server.js): `npm test` builds it first.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runDrill, type DrillReport } from '../drill/drill.js';
import { DIALECTS } from './helpers.js';

const SHORT = { requests: 500, rounds: 3, orders: 100 };

describe.each(DIALECTS)('reliability drill, short run (%s)', (dialect) => {
  let report: DrillReport;
  beforeAll(async () => {
    report = await runDrill(dialect, SHORT);
  }, 300_000);

  it('fuzzes every route of the OpenAPI document and leaves the journals and the audit log intact', () => {
    expect(report.fuzz.requests).toBeGreaterThanOrEqual(SHORT.requests);
    expect(report.fuzz.routes).toBeGreaterThan(40);
    // The fuzzer must reach the handlers, not only the validators: some answers succeed, most are refused.
    expect(report.fuzz.byStatus['400']).toBeGreaterThan(SHORT.requests / 4);
    expect(report.fuzz.byStatus['200']).toBeGreaterThan(0);
    expect(report.fuzz.byStatus['401']).toBeGreaterThan(0);
    expect(report.fuzz.invariantViolations).toBe(0);
    expect(report.fuzz.auditDetail).toMatch(/signed checkpoint/);
    expect(report.fuzz.auditOk).toBe(true);
  });

  it('signs in with lone surrogates in the user name and the audit chain still verifies', () => {
    // Refused as ill-formed input (400) or as a failed sign-in, audited (401): either way never a 5xx nor a broken chain.
    expect(Object.keys(report.fuzz.pinned).sort()).toEqual(['sign-in, password a lone surrogate', 'sign-in, user name a lone high surrogate', 'sign-in, user name with a lone low surrogate and NUL']);
    for (const status of Object.values(report.fuzz.pinned)) expect([400, 401]).toContain(status);
    expect(report.fuzz.auditOk).toBe(true);
  });

  it('no fuzzed request gets a 5xx', () => {
    expect(report.fuzz.findings).toEqual([]);
  });

  it('every kill -9 during a bulk delete or restore leaves all or nothing, journals and audit intact', () => {
    expect(report.crash.rounds).toHaveLength(SHORT.rounds);
    expect(report.crash.rounds.filter((r) => !r.intact)).toEqual([]);
  });

  it('100 concurrent repeats of one idempotent delete have one effect', () => {
    const idem = report.idempotentDelete;
    expect(idem.statuses).toEqual({ '200': 100 });
    expect(idem.batchIds).toBe(1);
    expect(idem.effects).toEqual({ deletions: 1, auditEntries: 1, releases: 1, reversals: 1, events: 1 });
    expect(idem.invariantViolations).toBe(0);
  });

  it('concurrent wrong passwords lock the account', () => {
    expect(report.lockout.failedLoginEntries).toBe(report.lockout.attempts);
    expect(report.lockout.rightPasswordStatus).toBe(401);
    expect(report.lockout.locked).toBe(true);
  });

  it('every audit tampering is detected, except the exceptions the documentation names', () => {
    expect(report.tampering.length).toBeGreaterThanOrEqual(20);
    expect(new Set(report.tampering.map((t) => t.kind))).toEqual(new Set(['edit', 'delete', 'reorder', 'truncate', 're-chain', 'forge']));
    expect(report.tampering.filter((t) => !t.asExpected).map((t) => t.name)).toEqual([]);
    expect(report.tampering.filter((t) => t.expected === 'detected').length).toBeGreaterThanOrEqual(20);
  });

  it('with a signed checkpoint, truncation, re-chaining and forged replacements are detected too', () => {
    const needingCheckpoints = report.tampering.filter((t) => t.needsCheckpoints);
    expect(new Set(needingCheckpoints.map((t) => t.kind))).toEqual(new Set(['truncate', 're-chain', 'forge']));
    expect(needingCheckpoints.filter((t) => t.expected === 'detected' && !t.detected).map((t) => t.name)).toEqual([]);
    // The one exception README "What the audit chain proves" names: a correctly chained entry after the newest checkpoint.
    expect(report.tampering.filter((t) => !t.detected).map((t) => t.name)).toEqual(['append a forged entry with a correct link and hash after the newest signed checkpoint']);
  });
});
