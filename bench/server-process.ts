/**
 * The app on the bench's database in a process of its own, started by operations.ts (fork) for the export
 * measurement: the bench process's resident size holds what seeding a million rows left behind, so only a
 * separate server shows the memory an operator would see. Sends `{ port }` once listening; answers each
 * 'memory' message with its current and peak resident size; closes when the parent disconnects.
 */
import fs from 'node:fs';
import { buildApp } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';
import { connect } from '../src/server/db/connect.js';

export interface ServerMemory {
  rssMb: number;
  peakRssMb: number;
}

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
  if (!address || typeof address === 'string') throw new Error('the export server is not listening on TCP');
  process.on('message', (message) => message === 'memory' && process.send!(readMemory()));
  process.once('disconnect', () => {
    clearInterval(sampler);
    void app
      .close()
      .then(() => ctx.close())
      .finally(() => process.exit(0));
  });
  process.send!({ port: address.port });
}

serveForBench().catch((error) => {
  console.error(error);
  process.exit(1);
});
