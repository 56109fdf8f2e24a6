import type { Kysely } from 'kysely';
import { DATA_QUALITY_CHECKS, DATA_QUALITY_TREND_RUNS, type DataQualityReport } from '../../../contracts/data-quality.js';
import type { Ctx } from '../../db/context.js';
import type { DB } from '../../db/schema.js';
import { requirePermission, scopeOf, type Actor } from '../../platform/actor.js';
import { AppError } from '../../platform/errors.js';
import { publish } from '../../platform/outbox.js';
import { getSettings } from '../settings/settings.service.js';
import { CHECKS, type CheckResult } from './data-quality.queries.js';

/**
 * Data-quality audits (SPEC §5): every check run now and kept as a run, so the page shows a trend. A run that
 * finds more of anything than the run before announces it (`data_quality.violations_found`) in the run's own
 * transaction.
 */

async function runChecks(db: Kysely<DB>, dialect: Ctx['dialect'], now: Date): Promise<CheckResult[]> {
  const settings = await getSettings(db);
  const input = { now, dialect, requiredCustomerFields: settings.requiredCustomerFields, paymentTermsDays: settings.paymentTermsDays };
  const results: CheckResult[] = [];
  // One after the other: on SQLite they share one connection anyway, on PostgreSQL a run stays one connection's load.
  for (const code of DATA_QUALITY_CHECKS) results.push(await CHECKS[code](db, input));
  return results;
}

export async function runDataQuality(ctx: Ctx, actor: Actor | null, trigger: 'schedule' | 'manual', now: Date = new Date()): Promise<DataQualityReport> {
  if (actor) requirePermission(actor, 'cleanup.review');
  const results = await runChecks(ctx.kysely, ctx.dialect, now);
  const checkedAt = now.toISOString();
  await ctx.kysely.transaction().execute(async (trx) => {
    const previous = await trx.selectFrom('data_quality_runs').select('results').orderBy('id', 'desc').limit(1).executeTakeFirst();
    const before = new Map(previous ? (JSON.parse(previous.results) as CheckResult[]).map((r) => [r.code, r.count]) : []);
    await trx.insertInto('data_quality_runs').values({ checked_at: checkedAt, trigger, actor_id: actor?.userId ?? null, results: JSON.stringify(results) }).execute();
    const grown = results.filter((r) => r.count > (before.get(r.code) ?? 0));
    if (grown.length > 0) {
      await publish(trx, [
        {
          topic: 'data_quality.violations_found',
          payload: { checkedAt, trigger, checks: grown.map((r) => ({ code: r.code, count: r.count, before: before.get(r.code) ?? 0 })), count: grown.reduce((sum, r) => sum + r.count, 0) },
        },
      ]);
    }
  });
  return latestReport(ctx.kysely);
}

async function latestReport(db: Kysely<DB>): Promise<DataQualityReport> {
  const runs = await db.selectFrom('data_quality_runs').select(['id', 'checked_at', 'trigger', 'results']).orderBy('id', 'desc').limit(DATA_QUALITY_TREND_RUNS).execute();
  const latest = runs[0];
  if (!latest) return { runId: null, checkedAt: null, trigger: null, checks: [] };
  const parsed = runs.reverse().map((r) => ({ checkedAt: r.checked_at, byCode: new Map((JSON.parse(r.results) as CheckResult[]).map((c) => [c.code, c.count])) }));
  return {
    runId: String(latest.id),
    checkedAt: latest.checked_at,
    trigger: latest.trigger as 'schedule' | 'manual',
    checks: (JSON.parse(latest.results) as CheckResult[]).map((c) => ({
      ...c,
      trend: parsed.filter((p) => p.byCode.has(c.code)).map((p) => ({ checkedAt: p.checkedAt, count: p.byCode.get(c.code)! })),
    })),
  };
}

/** GET /api/data-quality: the latest run with its trend; before any run, the checks are run once now. */
export async function dataQualityReport(ctx: Ctx, actor: Actor): Promise<DataQualityReport> {
  if (!scopeOf(actor, 'cleanup.review') && !scopeOf(actor, 'audit.read')) {
    throw new AppError('forbidden', 'Missing permission cleanup.review or audit.read', { permission: 'cleanup.review' });
  }
  const report = await latestReport(ctx.kysely);
  if (report.runId !== null) return report;
  const now = new Date();
  const checks = await runChecks(ctx.kysely, ctx.dialect, now);
  return { runId: null, checkedAt: now.toISOString(), trigger: null, checks: checks.map((c) => ({ ...c, trend: [] })) };
}
