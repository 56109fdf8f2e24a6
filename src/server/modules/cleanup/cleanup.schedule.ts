import { Cron } from 'croner';

/** Cron schedules read in the company time zone (settings `companyTimeZone`), with croner. */
const MAX_CATCH_UP = 100_000;

const cronOf = (expression: string, timeZone: string) => new Cron(expression, { timezone: timeZone, paused: true });

/** The next time the schedule fires after `after`, or null if it never does again. */
export function nextOccurrence(expression: string, timeZone: string, after: Date): Date | null {
  return cronOf(expression, timeZone).nextRun(after);
}

/**
 * The latest occurrence in (after, now], or null when none fell in it. Ticks missed while no instance ran
 * (a restart, a long run) fold into one: a schedule opens at most one review per tick of the job.
 */
export function latestDueOccurrence(expression: string, timeZone: string, after: Date, now: Date): Date | null {
  const cron = cronOf(expression, timeZone);
  let due: Date | null = null;
  let next = cron.nextRun(after);
  for (let i = 0; next && next.getTime() <= now.getTime() && i < MAX_CATCH_UP; i++) {
    due = next;
    next = cron.nextRun(next);
  }
  return due;
}
