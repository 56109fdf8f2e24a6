import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';

/**
 * Runs one timed scenario in its own thread, so the clients' work does not queue behind the server on one
 * event loop (the server runs in the main thread). The clients use node:http with a keep-alive agent, one
 * socket each: it costs a fraction of fetch's CPU per request, which matters when client and server share
 * two cores.
 */
export interface RequestSpec {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
}

export interface LoadJob {
  baseUrl: string;
  headers: Record<string, string>;
  requests: RequestSpec[];
  warmup: RequestSpec[];
  concurrency: number;
}

export interface LoadResult {
  latenciesMs: number[];
  elapsedMs: number;
  /** Share of the run the client thread was busy: near 1 means the clients, not the server, set the pace. */
  clientBusy: number;
  failures: number;
  firstFailure?: string;
}

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

async function runAll(job: LoadJob, agent: http.Agent, requests: RequestSpec[]): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  let next = 0;
  const started = performance.now();
  const utilization = performance.eventLoopUtilization();
  const client = async () => {
    while (next < requests.length) {
      const spec = requests[next++];
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

if (parentPort) {
  const job = workerData as LoadJob;
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
  await runAll(job, agent, job.warmup);
  parentPort.postMessage('timed-start');
  parentPort.postMessage(await runAll(job, agent, job.requests));
  agent.destroy();
}
