import { z } from 'zod';

/**
 * The practice workspace (issue #15): a per-user sandbox with demo data in a temporary SQLite database. While a
 * browser session is in practice, every /api request of that session is answered from the sandbox.
 */
export const PracticeState = z.object({
  active: z.boolean(),
  openedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  /** The sandbox is discarded after this many hours without a request. */
  idleHours: z.number(),
});
export type PracticeState = z.infer<typeof PracticeState>;
