import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FastifyInstance } from 'fastify';

/**
 * The Prometheus metrics of one process (prom-client), served at /metrics by the operations module. One registry
 * per process; the counters below are incremented where the thing happens (a request ends, a job runs, a read is
 * routed), and the gauges that describe the database are read from it when scraped (operations.service.ts).
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'orderly_process_' });

export const httpRequestDuration = new Histogram({
  name: 'orderly_http_request_duration_seconds',
  help: 'Time from receiving a request to sending the response, by route (the route pattern, not the URL)',
  labelNames: ['method', 'route', 'status_code'] as const,
  // Lists answer in milliseconds; exports and bulk deletions take seconds.
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [metricsRegistry],
});

export const jobRuns = new Counter({
  name: 'orderly_job_runs_total',
  help: 'Periodic job runs by this process, by job and outcome (ok or failed)',
  labelNames: ['job', 'outcome'] as const,
  registers: [metricsRegistry],
});

export const databaseReads = new Counter({
  name: 'orderly_db_reads_total',
  help: 'List, search, report and export reads, by the database that served them (replica or primary) and why',
  labelNames: ['target', 'reason'] as const,
  registers: [metricsRegistry],
});

export const sessionLookups = new Counter({
  name: 'orderly_session_lookups_total',
  help: 'Signed-in requests on PostgreSQL (session or API token), by where their sign-in came from: kept by this instance, or read from the database',
  labelNames: ['source'] as const,
  registers: [metricsRegistry],
});

/** Times every request by its route pattern (a URL per order id would make one series per order). */
export function observeRequestDurations(app: FastifyInstance): void {
  // A callback hook: an async one costs a promise and its resolution on every response.
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    httpRequestDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });
}
