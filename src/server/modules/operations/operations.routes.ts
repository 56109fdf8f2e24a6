import { createHash, timingSafeEqual } from 'node:crypto';
import { Liveness, MetricsText, Readiness } from '../../../contracts/operations.js';
import type { Config } from '../../config.js';
import type { Ctx } from '../../db/context.js';
import { AppError } from '../../platform/errors.js';
import type { App } from '../../platform/http.js';
import { metricsRegistry } from '../../platform/metrics.js';
import { isShuttingDown } from '../../platform/shutdown.js';
import { readiness, scrapeMetrics } from './operations.service.js';

const sameSecret = (given: string, expected: string) => {
  const digest = (v: string) => createHash('sha256').update(v).digest();
  return timingSafeEqual(digest(given), digest(expected));
};

/**
 * Probes and metrics for operators and load balancers, outside /api (no session, no CSRF, not in the API docs).
 * /metrics is served only with ORDERLY_METRICS_TOKEN set, to a scraper sending it as a bearer token.
 */
export function operationsRoutes(app: App, ctx: Ctx, config: Config): void {
  const started = Date.now();
  const hidden = { hide: true };
  app.get('/healthz', { config: { access: 'public' }, schema: { ...hidden, response: { 200: Liveness } } }, async () => ({ ok: true as const, uptimeSeconds: (Date.now() - started) / 1000 }));
  app.get('/readyz', { config: { access: 'public' }, schema: { ...hidden, response: { 200: Readiness, 503: Readiness } } }, async (_request, reply) => {
    const report = await readiness(ctx, isShuttingDown(app));
    reply.code(report.ready ? 200 : 503).header('cache-control', 'no-store');
    return report;
  });
  app.get('/metrics', { config: { access: 'public' }, schema: { ...hidden, response: { 200: MetricsText } } }, async (request, reply) => {
    if (!config.metricsToken) throw new AppError('not_found', 'Metrics are off: set ORDERLY_METRICS_TOKEN to serve them');
    const given = request.headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (!given || !sameSecret(given, config.metricsToken)) throw new AppError('unauthenticated', 'Send the metrics token as Authorization: Bearer <ORDERLY_METRICS_TOKEN>');
    const text = await scrapeMetrics(ctx);
    return reply.type(metricsRegistry.contentType).header('cache-control', 'no-store').send(text);
  });
}
