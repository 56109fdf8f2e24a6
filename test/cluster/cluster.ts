/**
 * A production-shaped Orderly for tests: its own PostgreSQL primary and a streaming replica made from it
 * (initdb as the `postgres` user, wal_level=replica, a `host replication` line, pg_basebackup -R), several
 * instances of the built server (dist/src/server/main.js) sharing them, and nginx in front. Everything lives
 * in one temporary folder and is stopped and removed by `stop()`.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export const PG_BIN = process.env.ORDERLY_PG_BIN ?? '/usr/lib/postgresql/15/bin';
export const NGINX = process.env.ORDERLY_NGINX ?? '/usr/sbin/nginx';
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
export const SERVER_SCRIPT = path.join(ROOT, 'dist', 'src', 'server', 'main.js');

/** Why the cluster cannot be made here, or null: needs root (to run initdb as `postgres`), the PostgreSQL tools and nginx. */
export function clusterUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root, to run initdb and pg_ctl as the postgres user';
  if (!fs.existsSync(path.join(PG_BIN, 'initdb'))) return `no PostgreSQL server tools in ${PG_BIN}`;
  if (!fs.existsSync(NGINX)) return `no nginx at ${NGINX} (apt-get install -y nginx)`;
  if (!fs.existsSync(SERVER_SCRIPT)) return 'no built server: run node scripts/ensure-built.mjs';
  return null;
}

const asPostgres = (command: string, args: string[]) => execFileSync('runuser', ['-u', 'postgres', '--', path.join(PG_BIN, command), ...args], { stdio: 'pipe' });

export interface PostgresPair {
  primaryUrl: string;
  replicaUrl: string;
  /** Stops the replica's server (fast shutdown), for the fallback test. */
  stopReplica(): void;
  startReplica(): void;
  stop(): void;
}

const portIsFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

const anyFreePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

/**
 * `count` ports free now on 127.0.0.1, each followed by a free one when `withNext` (a PostgreSQL pair listens on
 * port and port + 1). Fixed ports made two runs of the suite on one machine (CI beside a developer's run) collide.
 */
export async function freePorts(count: number, options: { withNext?: boolean } = {}): Promise<number[]> {
  const ports: number[] = [];
  for (let tries = 0; ports.length < count && tries < 200; tries++) {
    const port = await anyFreePort();
    if (ports.includes(port) || ports.includes(port + 1) || ports.includes(port - 1)) continue;
    if (options.withNext && (port >= 65535 || !(await portIsFree(port + 1)))) continue;
    ports.push(port);
  }
  if (ports.length < count) throw new Error(`could not find ${count} free ports`);
  return ports;
}

/** Makes a primary on `port` and a streaming replica on `port + 1`, both under `dir`. */
export function startPostgresPair(dir: string, port: number): PostgresPair {
  const primary = path.join(dir, 'primary');
  const replica = path.join(dir, 'replica');
  fs.mkdirSync(primary, { mode: 0o700 });
  execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  asPostgres('initdb', ['-D', primary, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8']);
  fs.appendFileSync(
    path.join(primary, 'postgresql.conf'),
    [
      `port = ${port}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${dir}'`,
      'wal_level = replica',
      'max_wal_senders = 5',
      'max_connections = 200',
      'hot_standby = on',
      // A test database: durability across a power cut is not what is tested here.
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      '',
    ].join('\n'),
  );
  fs.appendFileSync(path.join(primary, 'pg_hba.conf'), 'host all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n');
  asPostgres('pg_ctl', ['-D', primary, '-l', path.join(dir, 'primary.log'), '-w', 'start']);
  asPostgres('pg_basebackup', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-D', replica, '-R', '-X', 'stream', '--no-sync']);
  fs.appendFileSync(path.join(replica, 'postgresql.conf'), `port = ${port + 1}\n`);
  const startReplica = () => asPostgres('pg_ctl', ['-D', replica, '-l', path.join(dir, 'replica.log'), '-w', 'start']);
  startReplica();
  return {
    primaryUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    replicaUrl: `postgres://postgres@127.0.0.1:${port + 1}/postgres`,
    stopReplica: () => asPostgres('pg_ctl', ['-D', replica, '-m', 'fast', '-w', 'stop']),
    startReplica,
    stop() {
      for (const d of [replica, primary]) {
        try {
          asPostgres('pg_ctl', ['-D', d, '-m', 'immediate', '-w', 'stop']);
        } catch {
          // already stopped
        }
      }
    },
  };
}

/** Waits until the replica has replayed everything the primary wrote so far. */
export async function replicaCaughtUp(pair: PostgresPair, timeoutMs = 30_000): Promise<void> {
  const primary = new pg.Client({ connectionString: pair.primaryUrl });
  const replica = new pg.Client({ connectionString: pair.replicaUrl });
  await primary.connect();
  await replica.connect();
  try {
    const { rows } = await primary.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn');
    const started = Date.now();
    for (;;) {
      const r = await replica.query<{ ok: boolean }>('select pg_last_wal_replay_lsn() >= $1::pg_lsn as ok', [rows[0].lsn]);
      if (r.rows[0].ok) return;
      if (Date.now() - started > timeoutMs) throw new Error('the replica did not catch up');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await primary.end();
    await replica.end();
  }
}

export interface Instance {
  port: number;
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}

export function startInstance(port: number, env: Record<string, string>): Instance {
  const child = spawn(process.execPath, [SERVER_SCRIPT], { env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 200) output.shift();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { port, child, output, exited };
}

/** Polls /readyz until the instance says it is ready (the wait is for a state, not a time). */
export async function untilReady(instance: Instance, timeoutMs = 120_000): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (instance.child.exitCode !== null) throw new Error(`instance on ${instance.port} exited: ${instance.output.join('')}`);
    const ok = await fetch(`http://127.0.0.1:${instance.port}/readyz`).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() - started > timeoutMs) throw new Error(`instance on ${instance.port} never became ready: ${instance.output.join('')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export const NGINX_CONF = path.join(ROOT, 'deploy', 'nginx.conf');

/**
 * deploy/nginx.conf — the file compose.yaml mounts — with this machine's ports: the instances replace the
 * upstream's servers and the proxy listens on `port`, so the test runs the very configuration users deploy.
 */
export function localProxyConfig(port: number, upstreamPorts: number[]): string {
  const shipped = fs.readFileSync(NGINX_CONF, 'utf8');
  const [first] = shipped.match(/^\s*server\s+\S+:\d+(\s[^;]*)?;$/gm) ?? [];
  if (first === undefined || !/^\s*listen 80;$/m.test(shipped)) throw new Error('deploy/nginx.conf: no upstream servers or no "listen 80;"');
  const options = first.match(/:\d+(\s[^;]*)?;$/)?.[1] ?? '';
  return shipped
    .replace(/^(\s*server\s+\S+:\d+(\s[^;]*)?;\n)+/m, upstreamPorts.map((p) => `    server 127.0.0.1:${p}${options};\n`).join(''))
    .replace(/^(\s*)listen 80;$/m, `$1listen 127.0.0.1:${port};`);
}

/** nginx on `port` in front of the instances, run in the foreground with its files under `dir`. */
export function startProxy(dir: string, port: number, upstreamPorts: number[]): { ready(timeoutMs?: number): Promise<void>; stop(): Promise<void> } {
  const prefix = path.join(dir, 'nginx');
  fs.mkdirSync(prefix, { recursive: true });
  const conf = path.join(prefix, 'nginx.conf');
  fs.writeFileSync(
    conf,
    `daemon off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 2048; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
${localProxyConfig(port, upstreamPorts)}
}
`,
  );
  const child = spawn(NGINX, ['-p', prefix, '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    /** Resolves once nginx answers on its port (and the instance behind it is ready). */
    async ready(timeoutMs = 30_000) {
      const started = Date.now();
      while (!(await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false))) {
        if (child.exitCode !== null) throw new Error(`nginx exited: ${fs.existsSync(path.join(prefix, 'error.log')) ? fs.readFileSync(path.join(prefix, 'error.log'), 'utf8') : ''}`);
        if (Date.now() - started > timeoutMs) throw new Error('nginx did not answer');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop() {
      child.kill('SIGQUIT');
      await exited;
    },
  };
}

export function makeClusterDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'orderly-cluster-'));
}
