import { parentPort, workerData } from 'node:worker_threads';

/**
 * Runs one timed scenario in its own thread, so the clients' JSON parsing does not queue behind the server
 * on one event loop (the server runs in the main thread). Node's fetch keeps connections alive, so the
 * concurrent clients reuse one socket each.
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
  failures: number;
  firstFailure?: string;
}

async function send(job: LoadJob, spec: RequestSpec): Promise<string | undefined> {
  const response = await fetch(`${job.baseUrl}${spec.path}`, {
    method: spec.method,
    headers: { ...job.headers, ...(spec.body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
  });
  // Reading the whole body is part of the latency a client sees.
  const text = await response.text();
  return response.ok ? undefined : `${spec.method} ${spec.path} → ${response.status} ${text.slice(0, 300)}`;
}

async function runAll(job: LoadJob, requests: RequestSpec[]): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  let next = 0;
  const started = performance.now();
  const client = async () => {
    while (next < requests.length) {
      const spec = requests[next++];
      const t0 = performance.now();
      const failure = await send(job, spec).catch((error: unknown) => String(error));
      latenciesMs.push(performance.now() - t0);
      if (failure) {
        failures++;
        firstFailure ??= failure;
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, client));
  return { latenciesMs, elapsedMs: performance.now() - started, failures, firstFailure };
}

if (parentPort) {
  const job = workerData as LoadJob;
  await runAll(job, job.warmup);
  parentPort.postMessage(await runAll(job, job.requests));
}
