import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Ctx } from '../db/context.js';
import { isoPlus } from './clock.js';
import { jobRuns } from './metrics.js';

/**
 * A tiny periodic job runner whose coordination lives in the database, so any number of instances may run it:
 * each tick an instance tries to take the job's lease (one conditional UPDATE on the `jobs` row); only the
 * holder runs the job, and a lease left behind by a crashed instance expires and is taken over.
 * Jobs must still be safe to run twice (a lease can expire mid-run): the purge job locks the rows it purges.
 */
export interface JobDefinition {
  name: string;
  intervalMs: number;
  /** Longer than any run is expected to take. */
  leaseMs: number;
  run: (ctx: Ctx) => Promise<unknown>;
}

/**
 * Where the runner gets time from. Production uses the real clock and Node timers; tests pass a manual one
 * so they fire ticks and move time themselves instead of sleeping and hoping the machine kept up.
 */
export interface JobClock {
  now(): Date;
  setTimer(callback: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const SYSTEM_JOB_CLOCK: JobClock = {
  now: () => new Date(),
  // unref: a pending tick must not keep the process alive after the server closed.
  setTimer: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface JobRunner {
  /** Stops scheduling and waits for runs in progress, so the database can be closed after it. */
  stop(): Promise<void>;
}

/** Takes the lease if it is free or expired; true when this instance now holds it. */
export async function acquireJobLease(ctx: Ctx, name: string, owner: string, leaseMs: number, at: Date = new Date()): Promise<boolean> {
  const now = at.toISOString();
  await ctx.kysely
    .insertInto('jobs')
    .values({ name, runs: 0 })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const taken = await ctx.kysely
    .updateTable('jobs')
    .set({ lease_owner: owner, lease_until: isoPlus(now, leaseMs), last_started_at: now })
    .where('name', '=', name)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now), eb('lease_owner', '=', owner)]))
    .executeTakeFirst();
  return Number(taken.numUpdatedRows) === 1;
}

/** Text for a thrown non-Error (a string, a plain object), so the jobs row shows what it was. */
const describeThrown = (value: unknown): string => (typeof value === 'string' ? value : (JSON.stringify(value) ?? typeof value));

export async function releaseJobLease(ctx: Ctx, name: string, owner: string, error: unknown, at: Date = new Date()): Promise<void> {
  await ctx.kysely
    .updateTable('jobs')
    .set((eb) => ({
      lease_owner: null,
      lease_until: null,
      last_finished_at: at.toISOString(),
      last_error: error === undefined ? null : (error instanceof Error ? error.message : describeThrown(error)).slice(0, 2000),
      runs: eb('runs', '+', 1),
    }))
    .where('name', '=', name)
    .where('lease_owner', '=', owner)
    .execute();
}

/** Runs the job once if this instance gets the lease; returns whether it ran. */
export async function runJobOnce(ctx: Ctx, job: JobDefinition, owner: string, log?: FastifyBaseLogger, clock: JobClock = SYSTEM_JOB_CLOCK): Promise<boolean> {
  if (!(await acquireJobLease(ctx, job.name, owner, job.leaseMs, clock.now()))) return false;
  let failure: unknown;
  try {
    const result = await job.run(ctx);
    log?.debug({ job: job.name, result }, 'job finished');
  } catch (error) {
    failure = error;
    log?.error({ job: job.name, err: error }, 'job failed; it runs again at the next interval');
  } finally {
    jobRuns.inc({ job: job.name, outcome: failure === undefined ? 'ok' : 'failed' });
    await releaseJobLease(ctx, job.name, owner, failure, clock.now()).catch((error) => log?.error({ job: job.name, err: error }, 'could not release job lease'));
  }
  return true;
}

export function startJobs(ctx: Ctx, jobs: JobDefinition[], options: { log?: FastifyBaseLogger; firstRunAfterMs?: number; clock?: JobClock } = {}): JobRunner {
  const owner = randomUUID();
  const clock = options.clock ?? SYSTEM_JOB_CLOCK;
  const timers = new Map<string, unknown>();
  const running = new Set<Promise<unknown>>();
  let stopped = false;
  for (const job of jobs) {
    const tick = () => {
      if (stopped) return;
      const run = runJobOnce(ctx, job, owner, options.log, clock)
        .catch((error) => options.log?.error({ job: job.name, err: error }, 'job tick failed'))
        .finally(() => {
          running.delete(run);
          if (!stopped) timers.set(job.name, clock.setTimer(tick, job.intervalMs));
        });
      running.add(run);
    };
    timers.set(job.name, clock.setTimer(tick, options.firstRunAfterMs ?? Math.min(job.intervalMs, 5_000)));
  }
  return {
    async stop() {
      stopped = true;
      for (const t of timers.values()) clock.clearTimer(t);
      await Promise.allSettled([...running]);
    },
  };
}
