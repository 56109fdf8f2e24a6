import { sql } from 'kysely';
import { Gauge } from 'prom-client';
import type { Readiness } from '../../../contracts/operations.js';
import type { Ctx } from '../../db/context.js';
import { pendingMigrations } from '../../db/migrate.js';
import { metricsRegistry } from '../../platform/metrics.js';

/**
 * What an operator asks a running instance: is it ready for traffic, and the figures Prometheus scrapes.
 * Gauges that describe the database are read from it at scrape time, so every instance reports the same
 * shared figures (outbox backlog, recycle bin, audit chain) next to its own (pool, requests, jobs).
 */

/** A lease this far past its expiry means no instance is running the job any more (each takes over an expired lease on its next tick). */
const STUCK_AFTER_MS = 15 * 60_000;

export async function readiness(ctx: Ctx, shuttingDown: boolean, now: Date = new Date()): Promise<Readiness> {
  const reachable = await sql`select 1 as one`.execute(ctx.kysely).then(() => true, () => false);
  const pending = reachable ? await pendingMigrations(ctx.kysely) : [];
  const stuck = reachable
    ? (
        await ctx.kysely
          .selectFrom('jobs')
          .select('name')
          .where('lease_until', 'is not', null)
          .where('lease_until', '<', new Date(now.getTime() - STUCK_AFTER_MS).toISOString())
          .execute()
      ).map((r) => r.name)
    : [];
  const replica = ctx.replica?.monitor;
  return {
    ready: reachable && pending.length === 0 && stuck.length === 0 && !shuttingDown,
    checks: {
      database: reachable ? 'ok' : 'unreachable',
      migrations: { current: reachable && pending.length === 0, pending },
      jobs: { stuck },
      shuttingDown,
      // A lagging or missing replica does not make the instance unready: reads fall back to the primary.
      ...(replica ? { replica: { healthy: replica.state.healthy, lagSeconds: replica.state.lagSeconds, maxLagSeconds: replica.maxLagSeconds, lastError: replica.state.lastError } } : {}),
    },
  };
}

const gauge = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers: [metricsRegistry] });
const outboxBacklog = gauge('orderly_outbox_backlog', 'Outbox events not yet delivered (all instances share the outbox)');
const outboxOldestAge = gauge('orderly_outbox_oldest_event_age_seconds', 'Age of the oldest undelivered outbox event; 0 when the outbox is empty');
const recycleBinSize = gauge('orderly_recycle_bin_orders', 'Deleted orders in the recycle bin, waiting for restore or purge');
const auditChainLength = gauge('orderly_audit_chain_entries', 'Entries in the hash-chained audit log');
const poolConnections = gauge('orderly_db_pool_connections', 'Database connections of this instance, by pool and state', ['pool', 'state']);
const replicaLag = gauge('orderly_replica_lag_seconds', 'How far the read replica is behind the primary, as this instance last measured');
const replicaUp = gauge('orderly_replica_up', '1 while the read replica answers and is in recovery, else 0');
const jobLastFailed = gauge('orderly_job_last_run_failed', '1 when the last run of the job (on any instance) failed', ['job']);

/** Reads the shared figures into the gauges and returns the whole exposition text. */
export async function scrapeMetrics(ctx: Ctx, now: Date = new Date()): Promise<string> {
  const [outbox, bin, audit, jobs] = await Promise.all([
    ctx.kysely
      .selectFrom('outbox')
      .select((eb) => [eb.fn.countAll<number>().as('backlog'), eb.fn.min('created_at').as('oldest')])
      .where('delivered_at', 'is', null)
      .executeTakeFirstOrThrow(),
    ctx.kysely.selectFrom('orders').select((eb) => eb.fn.countAll<number>().as('n')).where('deleted_at', 'is not', null).executeTakeFirstOrThrow(),
    ctx.kysely.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ctx.kysely.selectFrom('jobs').select(['name', 'last_error']).execute(),
  ]);
  outboxBacklog.set(Number(outbox.backlog));
  outboxOldestAge.set(outbox.oldest ? Math.max(0, (now.getTime() - Date.parse(outbox.oldest)) / 1000) : 0);
  recycleBinSize.set(Number(bin.n));
  auditChainLength.set(Number(audit.n));
  for (const job of jobs) jobLastFailed.set({ job: job.name }, job.last_error === null ? 0 : 1);
  const pools: Array<[string, Ctx | undefined]> = [['primary', ctx], ['replica', ctx.replica?.db]];
  for (const [pool, db] of pools) {
    const stats = db?.poolStats?.();
    if (!stats) continue;
    for (const [state, value] of Object.entries(stats)) poolConnections.set({ pool, state }, value);
  }
  if (ctx.replica) {
    replicaLag.set(ctx.replica.monitor.state.lagSeconds);
    replicaUp.set(ctx.replica.monitor.state.healthy ? 1 : 0);
  }
  return metricsRegistry.metrics();
}
