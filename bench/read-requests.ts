/**
 * What bench/instructions.ts and bench/cpu-ab.ts share: the server one build's dist/ runs for them, and the read
 * requests both send (those of bench/scenarios.ts, plus one order with its lines), so the two measures of a
 * build meet the same requests.
 */
import http from 'node:http';
import path from 'node:path';

export interface ReadScenario {
  name: string;
  paths: string[];
}

/**
 * Serves the build under `distRoot` on `port` (0: any free one) and prints `{"listening":PORT}` once it listens;
 * `log` 'off' serves without a logger as the bench does, 'default' with the configured one.
 */
export async function serveBuild(distRoot: string, port: number, log: string): Promise<void> {
  const { loadConfig } = (await import(path.join(distRoot, 'src/server/config.js'))) as typeof import('../src/server/config.js');
  const { connect } = (await import(path.join(distRoot, 'src/server/db/connect.js'))) as typeof import('../src/server/db/connect.js');
  const { buildApp } = (await import(path.join(distRoot, 'src/server/app.js'))) as typeof import('../src/server/app.js');
  const config = loadConfig();
  const ctx = connect(config.database);
  const app = await buildApp(config, ctx, log === 'off' ? { logger: false } : {});
  await app.listen({ host: '127.0.0.1', port });
  const address = app.server.address();
  if (address && typeof address === 'object') console.log(JSON.stringify({ listening: address.port }));
  process.once('SIGTERM', () => void app.close().then(() => ctx.close()).finally(() => process.exit(0)));
}

/**
 * The requests of each scenario, as bench/scenarios.ts sends them, plus one order with its lines and the recycle
 * bin's first page and name search.
 */
export async function readScenarios(count: number): Promise<ReadScenario[]> {
  const { loadConfig } = await import('../src/server/config.js');
  const { connect } = await import('../src/server/db/connect.js');
  const { encodeKeysetCursor } = await import('../src/server/db/cursor.js');
  const { SEARCH_SAMPLES } = await import('../src/cli/sample-names.js');
  const db = connect(loadConfig().database);
  try {
    const total = Number((await db.kysely.selectFrom('orders').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const step = Math.max(1, Math.floor(total / count));
    const spread = await db.kysely
      .selectFrom('orders')
      .select(['id', 'number'])
      .where('deleted_at', 'is', null)
      .where((eb) => eb(eb('id', '%', step), '=', 0))
      .limit(count)
      .execute();
    // Page 1,000 of the default sort: the cursor the list hands out after 999 pages of 50.
    const last = await db.kysely
      .selectFrom('orders')
      .select(['created_at', 'id'])
      .where('deleted_at', 'is', null)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .offset(999 * 50 - 1)
      .limit(1)
      .executeTakeFirstOrThrow();
    const pick = <T>(values: T[], i: number) => values[i % values.length];
    return [
      { name: 'status filter, first page', paths: ['/api/orders?status=confirmed&limit=50'] },
      { name: 'customer name search (Chinese)', paths: [`/api/orders?q=${encodeURIComponent(SEARCH_SAMPLES.chinese)}&limit=50`] },
      { name: 'customer name search (Latin)', paths: [`/api/orders?q=${encodeURIComponent(SEARCH_SAMPLES.latin)}&limit=50`] },
      { name: 'customer name search, ~5 % of orders', paths: [`/api/orders?q=${encodeURIComponent(SEARCH_SAMPLES.broad)}&limit=50`] },
      { name: 'order number lookup', paths: spread.map((r) => `/api/orders?number=${r.number}`) },
      { name: 'search by serial number', paths: spread.map((r) => `/api/orders?q=${Number(r.number.slice(8))}`) },
      { name: 'page 1,000 via cursor', paths: [`/api/orders?limit=50&cursor=${encodeKeysetCursor(last.created_at, last.id)}`] },
      { name: 'one order with lines', paths: Array.from({ length: count }, (_, i) => `/api/orders/${pick(spread, i).id}`) },
      // The bin as the database holds it: empty after a seed, or as bench/recycle-bin.ts fillRecycleBin left it.
      { name: 'recycle bin, first page', paths: ['/api/recycle-bin?limit=50'] },
      { name: 'recycle bin, customer name search', paths: [`/api/recycle-bin?q=${encodeURIComponent(SEARCH_SAMPLES.broad)}&limit=50`] },
    ];
  } finally {
    await db.close();
  }
}


export interface BenchResponse {
  status: number;
  text: string;
  headers: http.IncomingHttpHeaders;
}

/** One request to a bench server on this machine over the given keep-alive agent, its body read whole. */
export function localRequest(agent: http.Agent, port: number, method: string, urlPath: string, headers: Record<string, string>, body?: string): Promise<BenchResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, agent, headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
