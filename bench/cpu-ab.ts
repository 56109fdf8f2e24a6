/**
 * CPU time per read request of two or more builds, side by side: each build's server (one process, logger off,
 * jobs off) on the same database, the same requests sent to each in alternating bursts (A B, then B A, …), and the
 * server's user + system time read from /proc around every burst. On a shared machine a wall-clock figure is
 * mostly the neighbours; CPU time per request still moves with the load (caches, frequency), which is why the
 * builds take turns within the same minute and the medians are compared, never one build's figure with an
 * older run's. Counts the kernel's share of the socket writes, which callgrind (bench/instructions.ts) does not.
 *
 *   node dist/bench/cpu-ab.js --dist DIR [--dist DIR …] [--rounds 6] [--requests 1500] [--warmup 300] [--concurrency 10] [--only a,b]
 *
 * On PostgreSQL it also reads the CPU time of the database's backends around every burst (the servers' pooled
 * connections, from /proc: the database runs on this machine).
 *
 * The database is the one the server would use (ORDERLY_DB or DATABASE_URL), signed in as `admin` with
 * ORDERLY_ADMIN_PASSWORD; each `--dist` is a build's dist/ folder (default: this one).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { localRequest, readScenarios, serveBuild } from './read-requests.js';

const OWN_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLOCK_TICKS = 100;

function cpuSeconds(pid: number): number {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    // A backend that ended between being listed and being read.
    return 0;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

interface Server {
  dist: string;
  child: ChildProcess;
  port: number;
  agent: http.Agent;
  cookie: string;
}

const get = (server: Server, urlPath: string, method = 'GET', body?: string) => localRequest(server.agent, server.port, method, urlPath, server.cookie ? { cookie: server.cookie } : {}, body);

async function start(dist: string, concurrency: number): Promise<Server> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'serve', dist], { env: { ...process.env, ORDERLY_JOBS: 'off' }, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /\{"listening":(\d+)\}/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`the server of ${dist} exited with ${code} before listening`)));
  });
  const server: Server = { dist, child, port, agent: new http.Agent({ keepAlive: true, maxSockets: concurrency }), cookie: '' };
  const login = await get(server, '/api/auth/login', 'POST', JSON.stringify({ username: 'admin', password: process.env.ORDERLY_ADMIN_PASSWORD }));
  if (login.status !== 200) throw new Error(`sign-in failed: ${login.status} ${login.text}`);
  server.cookie = [login.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('orderly_session='))!.split(';')[0];
  return server;
}

/** Sends `count` requests over `concurrency` keep-alive clients; the server's CPU seconds and the wall seconds spent. */
/**
 * On PostgreSQL, the CPU seconds of the database's client backends (other than the bench's own) so far: on two cores
 * the backends run beside the server and take as much CPU per request, sometimes more. The servers keep their
 * pooled connections open after the warm-up, so the same backends are read before and after a burst.
 */
async function backendSeconds(admin: pg.Client | undefined): Promise<number> {
  if (!admin) return 0;
  const { rows } = await admin.query<{ pid: number }>(
    "select pid from pg_stat_activity where datname = current_database() and backend_type = 'client backend' and pid <> pg_backend_pid()",
  );
  return rows.reduce((sum, r) => sum + cpuSeconds(r.pid), 0);
}

async function burst(server: Server, paths: string[], count: number, concurrency: number, admin?: pg.Client): Promise<{ cpu: number; database: number; wall: number }> {
  let next = 0;
  const databaseBefore = await backendSeconds(admin);
  const cpuBefore = cpuSeconds(server.child.pid!);
  const wallBefore = performance.now();
  const client = async () => {
    while (next < count) {
      const i = next++;
      const response = await get(server, paths[i % paths.length]);
      if (response.status !== 200) throw new Error(`${paths[i % paths.length]}: ${response.status} ${response.text.slice(0, 300)}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  const cpu = cpuSeconds(server.child.pid!) - cpuBefore;
  return { cpu, database: (await backendSeconds(admin)) - databaseBefore, wall: (performance.now() - wallBefore) / 1000 };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function drive(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dist: { type: 'string', multiple: true },
      rounds: { type: 'string', default: '6' },
      requests: { type: 'string', default: '1500' },
      warmup: { type: 'string', default: '300' },
      concurrency: { type: 'string', default: '10' },
      only: { type: 'string' },
    },
  });
  const dists = (values.dist ?? [OWN_DIST]).map((d) => path.resolve(d));
  const [rounds, requests, warmup, concurrency] = [values.rounds, values.requests, values.warmup, values.concurrency].map(Number);
  if (!process.env.ORDERLY_ADMIN_PASSWORD) throw new Error('set ORDERLY_ADMIN_PASSWORD to the admin password of the database');
  const only = values.only?.split(',');
  const chosen = (await readScenarios(500)).filter((s) => !only || only.some((o) => s.name.includes(o)));
  const servers: Server[] = [];
  const url = process.env.DATABASE_URL;
  const admin = url?.startsWith('postgres') ? new pg.Client({ connectionString: url }) : undefined;
  await admin?.connect();
  try {
    for (const dist of dists) servers.push(await start(dist, concurrency));
    console.log(`${requests} requests per burst, ${concurrency} clients, ${rounds} rounds alternating ${dists.length} builds; load average ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
    for (const scenario of chosen) {
      for (const server of servers) await burst(server, scenario.paths, warmup, concurrency);
      const perRequest = servers.map(() => [] as number[]);
      const databasePerRequest = servers.map(() => [] as number[]);
      for (let round = 0; round < rounds; round++) {
        const order = servers.map((_, i) => i);
        if (round % 2) order.reverse();
        for (const i of order) {
          const { cpu, database } = await burst(servers[i], scenario.paths, requests, concurrency, admin);
          perRequest[i].push((cpu / requests) * 1e6);
          databasePerRequest[i].push((database / requests) * 1e6);
        }
      }
      for (const [i, server] of servers.entries()) {
        const us = perRequest[i];
        const database = admin ? `; database backends median ${median(databasePerRequest[i]).toFixed(0).padStart(5)} µs [${databasePerRequest[i].map((u) => u.toFixed(0)).join(' ')}]` : '';
        console.log(`${scenario.name.padEnd(38)} ${server.dist.padEnd(32)} median ${median(us).toFixed(0).padStart(5)} µs, min ${Math.min(...us).toFixed(0).padStart(5)} µs  [${us.map((u) => u.toFixed(0)).join(' ')}]${database}`);
      }
    }
    console.log(`load average at the end ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  } finally {
    await admin?.end();
    for (const server of servers) {
      server.agent.destroy();
      server.child.kill('SIGTERM');
      await new Promise((resolve) => server.child.once('exit', resolve));
    }
  }
}

if (process.argv[2] === 'serve') {
  serveBuild(process.argv[3], 0, 'off').catch((error) => {
    console.error(error);
    process.exit(1);
  });
} else {
  drive().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
