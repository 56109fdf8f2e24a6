import type { Ctx } from '../../db/context.js';
import { systemActor } from '../../platform/actor.js';
import type { JobDefinition } from '../../platform/jobs.js';
import type { Config } from '../../config.js';
import { ensureVerifiedBackup } from '../backup/backup.service.js';
import { expiredOrders, purgeRows } from './recycle-bin.service.js';

const PURGE_BATCH = 500;

/**
 * Purges every order whose `purge_after` has passed, a batch per transaction. Safe with several instances on
 * one PostgreSQL: each batch is selected `for update skip locked`, so instances running at once take disjoint
 * rows and each order is purged (and audited, and announced) exactly once. SQLite has a single writer.
 */
export async function runPurgeJob(ctx: Ctx, now: Date = new Date(), options: { batchSize?: number } = {}): Promise<{ purged: number }> {
  const batchSize = options.batchSize ?? PURGE_BATCH;
  const actor = systemActor('purge-job');
  const cutoff = now.toISOString();
  let purged = 0;
  for (;;) {
    const count = await ctx.kysely.transaction().execute(async (trx) => {
      const rows = await expiredOrders(trx, ctx.dialect, cutoff, batchSize);
      await purgeRows(trx, ctx.dialect, actor, rows, 'retention period ended');
      return rows.length;
    });
    purged += count;
    if (count < batchSize) return { purged };
  }
}

/** Whether anything has passed its retention, without locking: the job backs up only when it will purge. */
async function hasExpiredOrders(ctx: Ctx, now: Date): Promise<boolean> {
  const row = await ctx.kysely
    .selectFrom('orders')
    .select('id')
    .where('deleted_at', 'is not', null)
    .where('purge_after', '<=', now.toISOString())
    .where('held_at', 'is', null)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export function purgeJob(config: Config): JobDefinition {
  return {
    name: 'purge-expired-orders',
    intervalMs: 60_000,
    leaseMs: 10 * 60_000,
    async run(ctx) {
      const now = new Date();
      if (!(await hasExpiredOrders(ctx, now))) return;
      await ensureVerifiedBackup(ctx, config, systemActor('purge-job'));
      await runPurgeJob(ctx, now);
    },
  };
}
