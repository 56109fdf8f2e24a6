import type { JobDefinition } from '../../platform/jobs.js';
import { runScheduledRules } from './cleanup.service.js';

/**
 * The cleanup schedule on the lease-based job runner: each minute one instance looks at every enabled rule's
 * cron. `now` is injectable so a test can move time by whole ticks instead of waiting for them.
 */
export function cleanupScheduleJob(options: { now?: () => Date } = {}): JobDefinition {
  const now = options.now ?? (() => new Date());
  return {
    name: 'cleanup-schedule',
    intervalMs: 60_000,
    leaseMs: 10 * 60_000,
    run: (ctx) => runScheduledRules(ctx, now()),
  };
}
