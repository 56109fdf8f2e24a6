import http from 'node:http';
import { performance } from 'node:perf_hooks';

/**
 * The load generator: a process of its own (forked by run.ts), so the clients' work never shares an event loop
 * or a V8 heap with the bench process, which holds the seeding's leftovers. It gets one job over IPC, warms up
 * for `warmupMs`, says 'timed-start', keeps `concurrency` clients busy for `durationMs`, and sends back the
 * latencies. The clients use node:http with a keep-alive agent, one socket each: it costs a fraction of
 * fetch's CPU per request, which matters when client and server share two cores.
 */
export interface RequestSpec {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
}

export interface LoadJob {
  baseUrl: string;
  headers: Record<string, string>;
  /** Sent in turn, from the start again when the list runs out, until the time is up. */
  requests: RequestSpec[];
  warmupMs: number;
  durationMs: number;
  concurrency: number;
}

export interface LoadResult {
  latenciesMs: number[];
  elapsedMs: number;
  /** Share of the run the client process was busy: near 1 means the clients, not the server, set the pace. */
  clientBusy: number;
  failures: number;
  firstFailure?: string;
}

export type LoadMessage = { timedStart: true } | { result: LoadResult };

function send(job: LoadJob, agent: http.Agent, spec: RequestSpec): Promise<string | undefined> {
  const body = spec.body === undefined ? undefined : JSON.stringify(spec.body);
  return new Promise((resolve, reject) => {
    const request = http.request(`${job.baseUrl}${spec.path}`, { method: spec.method, agent, headers: { ...job.headers, ...(body ? { 'content-type': 'application/json' } : {}) } }, (response) => {
      // Reading the whole body is part of the latency a client sees.
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        resolve(status >= 200 && status < 300 ? undefined : `${spec.method} ${spec.path} → ${status} ${Buffer.concat(chunks).toString('utf8').slice(0, 300)}`);
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** Keeps every client sending until `ms` have passed; a request in flight at the end still counts. */
async function runFor(job: LoadJob, agent: http.Agent, ms: number): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  let next = 0;
  const started = performance.now();
  const until = started + ms;
  const utilization = performance.eventLoopUtilization();
  const client = async () => {
    while (performance.now() < until) {
      const spec = job.requests[next++ % job.requests.length];
      const t0 = performance.now();
      const failure = await send(job, agent, spec).catch((error: unknown) => String(error));
      latenciesMs.push(performance.now() - t0);
      if (failure) {
        failures++;
        firstFailure ??= failure;
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, client));
  return { latenciesMs, elapsedMs: performance.now() - started, clientBusy: performance.eventLoopUtilization(utilization).utilization, failures, firstFailure };
}

if (process.send) {
  process.once('message', (job: LoadJob) => {
    void (async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
      if (job.warmupMs > 0) await runFor(job, agent, job.warmupMs);
      process.send!({ timedStart: true } satisfies LoadMessage);
      const result = await runFor(job, agent, job.durationMs);
      agent.destroy();
      process.send!({ result } satisfies LoadMessage, () => process.disconnect());
    })();
  });
}
