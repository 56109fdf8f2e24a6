import cluster, { type Worker } from 'node:cluster';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { connect, databaseLabel, type Db } from './db/connect.js';
import { migrateToLatest, withStartupLock } from './db/migrate.js';
import { bootstrap } from './modules/users/users.service.js';
import { gracefulShutdown } from './platform/shutdown.js';

/** The built web app, next to the compiled server (dist/web beside dist/src). */
export const WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web');

/** Connects, migrates, makes sure the built-in roles and `admin` exist. */
export async function openDatabase(config: Config): Promise<{ ctx: Db; generatedPassword?: string }> {
  const ctx = connect(config.database);
  // Several instances may start at once: one at a time migrates and creates `admin`.
  const { generatedPassword } = await withStartupLock(ctx.kysely, ctx.dialect, async () => {
    await migrateToLatest(ctx.kysely, ctx.dialect);
    return bootstrap(ctx, config.adminPassword);
  });
  return { ctx, generatedPassword };
}

/**
 * Serves the app: in this process, or with `workers` > 1 (ORDERLY_WORKERS) in that many worker processes
 * sharing the port through node:cluster, this process only supervising them. The database was migrated and
 * `admin` created before (openDatabase), once, so workers never race each other doing it.
 */
export async function serve(config: Config, ctx: Db, banner: string[] = []): Promise<void> {
  if (config.workers > 1 && cluster.isPrimary) {
    await ctx.close();
    await superviseWorkers(config, banner);
    return;
  }
  await serveInProcess(config, ctx, banner);
}

/**
 * On a terminal a person reads the log, so pino-pretty writes one short coloured line per entry (in a worker
 * thread, off the request path); piped to a file or a log collector the lines stay JSON, one object each.
 */
const terminalLogger = (config: Config) =>
  process.stdout.isTTY ? { level: config.logLevel, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', colorize: true } } } : undefined;

async function serveInProcess(config: Config, ctx: Db, banner: string[]): Promise<void> {
  const app = await buildApp({ ...config, webRoot: config.webRoot ?? WEB_ROOT }, ctx, { logger: terminalLogger(config) });
  if (cluster.isWorker) {
    // Which process answered: for an operator reading a slow request's headers, and for the cluster test.
    const worker = String(cluster.worker!.id);
    app.addHook('onSend', async (_request, reply) => {
      reply.header('x-orderly-worker', worker);
    });
  }
  const shutdown = gracefulShutdown(app, { deadlineMs: config.shutdownSeconds * 1000, closeResources: () => ctx.close() });
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  if (cluster.isWorker) cluster.worker!.once('disconnect', () => void shutdown('disconnect'));
  await app.listen({ port: config.port, host: config.host });
  if (cluster.isWorker) return;
  const lines = [`Orderly is serving ${listeningUrl(config, app.server.address())} (database: ${databaseLabel(config.database)})`, ...banner];
  console.log(`\n${lines.join('\n')}\n`);
}

const listeningUrl = (config: Config, address: string | { port: number } | null) => `http://${config.host}:${address && typeof address === 'object' ? address.port : config.port}`;

/**
 * The cluster's primary: forks the workers (each runs this file, see main below), replaces one that dies, and on
 * SIGTERM/SIGINT passes the signal on and exits once every worker has finished its requests and closed. A worker
 * that dies before it ever listened (a port in use, a database it cannot open) stops the whole server instead of
 * being restarted in a loop.
 */
async function superviseWorkers(config: Config, banner: string[]): Promise<void> {
  cluster.setupPrimary({ exec: fileURLToPath(import.meta.url), args: [] });
  let stopping = false;
  const listened = new Set<number>();
  const fork = () => cluster.fork({ ORDERLY_WORKERS: String(config.workers) });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    if (workers.length === 0) process.exit(0);
    let left = workers.length;
    for (const w of workers) {
      w.once('exit', () => --left === 0 && process.exit(0));
      w.process.kill(signal);
    }
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  const address = await new Promise<number>((resolve, reject) => {
    cluster.on('listening', (worker, where) => {
      listened.add(worker.id);
      if (listened.size === config.workers) resolve(where.port);
    });
    cluster.on('exit', (worker, code, signal) => {
      if (stopping) return;
      if (!listened.has(worker.id)) {
        stopping = true;
        for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
        reject(new Error(`a server worker exited before it listened (${signal ?? `code ${code}`})`));
        return;
      }
      console.error(`Orderly worker ${worker.process.pid} ended (${signal ?? `code ${code}`}); starting another`);
      fork();
    });
    for (let i = 0; i < config.workers; i++) fork();
  });
  const lines = [`Orderly is serving ${listeningUrl(config, { port: address })} with ${config.workers} worker processes (database: ${databaseLabel(config.database)})`, ...banner];
  console.log(`\n${lines.join('\n')}\n`);
}

export function adminBanner(generatedPassword: string | undefined): string[] {
  return generatedPassword
    ? [`First start: created user "admin" with password ${generatedPassword}`, 'It is shown only this once; change it after signing in.']
    : [];
}

async function main(): Promise<void> {
  const config = loadConfig();
  if (cluster.isWorker) {
    // The primary migrated already: a worker only connects, as one of several writers of the database.
    await serve(config, connect(config.database, { beginImmediate: true }));
    return;
  }
  const { ctx, generatedPassword } = await openDatabase(config);
  await serve(config, ctx, adminBanner(generatedPassword));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((error) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  });
}
