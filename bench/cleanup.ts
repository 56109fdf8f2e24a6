/**
 * Cleanup and data quality at full size (issue 13), one operation at a time over HTTP:
 *   - a rule preview (drafts untouched for 30 days: count and first orders) ≤ 10 s on SQLite;
 *   - a data-quality run (every check, kept as a run) ≤ 10 s on SQLite;
 *   - approving a review of 10,000 candidates (one deletion batch with reason `cleanup`) < 3 s;
 *     the batch is restored afterwards, so the database is as it was.
 */
import type { Db } from '../src/server/db/connect.js';
import type { OperationRow } from './operations.js';

const CANDIDATES = 10_000;

async function post(baseUrl: string, headers: Record<string, string>, pathname: string, body: unknown = {}): Promise<{ ms: number; status: number; json: Record<string, unknown> }> {
  const started = performance.now();
  const res = await fetch(`${baseUrl}${pathname}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  return { ms: performance.now() - started, status: res.status, json };
}

async function timed(baseUrl: string, headers: Record<string, string>, pathname: string, body?: unknown): Promise<{ ms: number; json: Record<string, unknown> }> {
  const res = await post(baseUrl, headers, pathname, body);
  if (res.status >= 300) throw new Error(`POST ${pathname} → ${res.status} ${JSON.stringify(res.json).slice(0, 300)}`);
  return res;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/**
 * `password`: the signed-in user's, for the step-up a deletion of more than 100 orders needs where the governance
 * module is present (a 404 from /api/auth/step-up means it is not, and nothing is needed).
 */
export async function measureCleanup(baseUrl: string, headers: Record<string, string>, ctx: Db, options: { isSqlite: boolean; password?: string }): Promise<OperationRow[]> {
  const target = (limit: string) => (options.isSqlite ? limit : 'reported');
  const rows: OperationRow[] = [];

  const preview = await timed(baseUrl, headers, '/api/cleanup/preview', { match: { status: ['draft'], untouchedDays: 30 } });
  rows.push({ operation: `rule preview: drafts untouched for 30 days (${Number(preview.json.count).toLocaleString('en')} match)`, measured: seconds(preview.ms), target: target('≤ 10 s'), pass: !options.isSqlite || preview.ms <= 10_000 });

  const run = await timed(baseUrl, headers, '/api/data-quality/runs');
  const found = (run.json.checks as Array<{ code: string; count: number }>).map((c) => `${c.code} ${c.count}`).join(', ');
  rows.push({ operation: `data-quality run (${found})`, measured: seconds(run.ms), target: target('≤ 10 s'), pass: !options.isSqlite || run.ms <= 10_000 });

  // Drafts and cancelled orders delete without stock or money moves; confirmed ones without payments reverse both.
  const ids = (
    await ctx.kysely
      .selectFrom('orders')
      .select('id')
      .where('deleted_at', 'is', null)
      .where((eb) => eb.or([eb('status', 'in', ['draft', 'cancelled']), eb.and([eb('status', '=', 'confirmed'), eb('paid', '=', 0)])]))
      .orderBy('id', 'desc')
      .limit(CANDIDATES)
      .execute()
  ).map((r) => String(r.id));
  if (ids.length < CANDIDATES) {
    rows.push({ operation: `approve a review of ${CANDIDATES.toLocaleString('en')} candidates`, measured: `only ${ids.length} deletable orders`, target: '< 3 s', pass: false });
    return rows;
  }
  const review = await timed(baseUrl, headers, '/api/cleanup/reviews', { ids });
  if (options.password) {
    const stepUp = await post(baseUrl, headers, '/api/auth/step-up', { password: options.password });
    if (stepUp.status >= 300 && stepUp.status !== 404) throw new Error(`step-up → ${stepUp.status}`);
  }
  const approved = await timed(baseUrl, headers, `/api/cleanup/reviews/${String(review.json.id)}/approve`, { exclude: [] });
  const deleted = (approved.json.deleted as unknown[]).length;
  if (deleted !== CANDIDATES) throw new Error(`approval deleted ${deleted} of ${CANDIDATES}`);
  rows.push({ operation: `approve a review of ${CANDIDATES.toLocaleString('en')} candidates (one cleanup batch)`, measured: seconds(approved.ms), target: '< 3 s', pass: approved.ms < 3_000 });
  await timed(baseUrl, headers, '/api/recycle-bin/restore', { batchId: approved.json.batchId });
  return rows;
}
