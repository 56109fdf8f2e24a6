import { fork, spawn } from 'node:child_process';
import fs from 'node:fs';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Config } from '../src/server/config.js';
import type { ServerMemory, ServerReply } from './server-process.js';

export interface ServerProcess {
  baseUrl: string;
  memory(): Promise<ServerMemory>;
  /** The server's event-loop utilization since it started; pass two to performance.eventLoopUtilization for a span. */
  elu(): Promise<EventLoopUtilization>;
  /** CPU seconds (user + system) the server process has used so far: readable on a busy machine, unlike wall-clock. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** Forks server-process.ts on the bench's database (background jobs off) and waits until it listens. */
export async function startServerProcess(config: Config): Promise<ServerProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, ORDERLY_LOG_LEVEL: 'warn', ORDERLY_JOBS: 'off', HOST: '127.0.0.1', PORT: '0' };
  delete env.DATABASE_URL;
  delete env.ORDERLY_DB;
  if (config.database.dialect === 'postgres') env.DATABASE_URL = config.database.url;
  else env.ORDERLY_DB = config.database.file;
  const child = fork(fileURLToPath(new URL('./server-process.js', import.meta.url)), [], { env, execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: ServerReply) => ('port' in message ? resolve(message.port) : reject(new Error('the bench server spoke before listening'))));
    child.once('exit', (code) => reject(new Error(`the bench server exited with ${code} before listening`)));
  });
  /** Sends 'memory' or 'elu' and resolves with the reply that carries it. */
  const ask = (what: 'memory' | 'elu') =>
    new Promise<unknown>((resolve) => {
      const listen = (message: ServerReply) => {
        if (!(what in message)) return;
        child.off('message', listen);
        resolve((message as Record<string, unknown>)[what]);
      };
      child.on('message', listen);
      child.send(what);
    });
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    memory: () => ask('memory') as Promise<ServerMemory>,
    elu: () => ask('elu') as Promise<EventLoopUtilization>,
    cpuSeconds: () => processCpuSeconds(child.pid!),
    async stop() {
      child.disconnect();
      await exited;
    },
  };
}

export interface AppServer {
  baseUrl: string;
  /** CPU seconds (user + system) the server's processes have used so far: the primary and every worker. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

const CLOCK_TICKS = 100;

/** utime + stime of a process and of its exited children it waited for, in seconds, from /proc (Linux). */
function processCpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return fs
      .readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * The app exactly as an operator starts it — dist/src/server/main.js with ORDERLY_WORKERS — on the bench's
 * database, jobs off. Its CPU time is read from /proc for the primary and its workers, so a scenario can be
 * charged the server's CPU per request whatever the number of processes.
 */
export async function startAppServer(config: Config, workers: number, adminPassword: string): Promise<AppServer> {
  const env: NodeJS.ProcessEnv = { ...process.env, ORDERLY_LOG_LEVEL: 'warn', ORDERLY_JOBS: 'off', HOST: '127.0.0.1', PORT: '0', ORDERLY_WORKERS: String(workers), ORDERLY_ADMIN_PASSWORD: adminPassword };
  delete env.DATABASE_URL;
  delete env.ORDERLY_DB;
  if (config.database.dialect === 'postgres') env.DATABASE_URL = config.database.url;
  else env.ORDERLY_DB = config.database.file;
  const child = spawn(process.execPath, [fileURLToPath(new URL('../src/server/main.js', import.meta.url))], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  const baseUrl = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Orderly is serving (http:\/\/[^\s]+)/.exec(output);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`the bench server exited with ${code} before listening:\n${output}`)));
  });
  const pid = child.pid!;
  return {
    baseUrl,
    cpuSeconds: () => [pid, ...childrenOf(pid)].reduce((sum, p) => sum + processCpuSeconds(p), 0),
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
