import { z } from 'zod';

/** GET /healthz: the process is up and answering (no database call; for a liveness probe). */
export const Liveness = z.object({ ok: z.literal(true), uptimeSeconds: z.number() });
export type Liveness = z.infer<typeof Liveness>;

/** GET /readyz: whether this instance should get traffic; 503 with the same body when not. */
export const Readiness = z.object({
  ready: z.boolean(),
  checks: z.object({
    database: z.enum(['ok', 'unreachable']),
    migrations: z.object({ current: z.boolean(), pending: z.array(z.string()) }),
    jobs: z.object({ stuck: z.array(z.string()) }),
    shuttingDown: z.boolean(),
    replica: z
      .object({ healthy: z.boolean(), lagSeconds: z.number(), maxLagSeconds: z.number(), lastError: z.string().nullable() })
      .optional(),
  }),
});
export type Readiness = z.infer<typeof Readiness>;

/** GET /metrics: Prometheus text exposition format. */
export const MetricsText = z.string();
