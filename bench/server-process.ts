/**
 * The app on the bench's database in a process of its own, as an operator runs it, started by server.ts
 * (fork): the bench process holds what seeding a million rows left behind (heap, caches), which would
 * otherwise weigh on the latencies and the memory measured. Sends `{ port }` once listening; answers
 * 'memory' with its current and peak resident size and 'elu' with its event-loop utilization so far;
 * closes when the parent disconnects.
 */
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { buildApp } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';
import { connect } from '../src/server/db/connect.js';

export interface ServerMemory {
  rssMb: number;
  peakRssMb: number;
}

export type ServerReply = { port: number } | { memory: ServerMemory } | { elu: { idle: number; active: number; utilization: number } };

let sampledPeak = process.memoryUsage().rss;

/** VmHWM is the kernel's exact high-water mark; the 50 ms samples stand in where /proc is missing. */
function readMemory(): ServerMemory {
  const rss = process.memoryUsage().rss;
  let hwm = 0;
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (match) hwm = Number(match[1]) * 1024;
  } catch {
    // not Linux
  }
  return { rssMb: rss / 1_048_576, peakRssMb: Math.max(hwm, sampledPeak, rss) / 1_048_576 };
}

async function serveForBench(): Promise<void> {
  const sampler = setInterval(() => (sampledPeak = Math.max(sampledPeak, process.memoryUsage().rss)), 50);
  const config = loadConfig();
  const ctx = connect(config.database);
  const app = await buildApp(config, ctx, { logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('the bench server is not listening on TCP');
  const reply = (message: ServerReply) => process.send!(message);
  process.on('message', (message) => {
    if (message === 'memory') reply({ memory: readMemory() });
    if (message === 'elu') reply({ elu: performance.eventLoopUtilization() });
  });
  process.once('disconnect', () => {
    clearInterval(sampler);
    void app
      .close()
      .then(() => ctx.close())
      .finally(() => process.exit(0));
  });
  reply({ port: address.port });
}

serveForBench().catch((error) => {
  console.error(error);
  process.exit(1);
});
