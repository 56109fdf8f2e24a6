const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export type PurgeCountdown = { kind: 'due' } | { kind: 'hours'; hours: number } | { kind: 'days'; days: number };

/**
 * How long until an order in the recycle bin is purged, counted the way the delete dialog states the retention:
 * whole days rounded up, so an order deleted just now with 30 days' retention "purges in 30 days" in the bin
 * too (rounding down said 29 a second after the dialog had said 30).
 */
export function purgeCountdown(purgeAfter: string, now: number): PurgeCountdown {
  const left = Date.parse(purgeAfter) - now;
  if (left <= 0) return { kind: 'due' };
  if (left < DAY_MS) return { kind: 'hours', hours: Math.ceil(left / HOUR_MS) };
  return { kind: 'days', days: Math.ceil(left / DAY_MS) };
}

/** Within three days of the purge the countdown turns red. */
export const purgeIsNear = (purgeAfter: string, now: number) => Date.parse(purgeAfter) - now < 3 * DAY_MS;
