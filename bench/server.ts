import { fork } from 'node:child_process';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Config } from '../src/server/config.js';
import type { ServerMemory, ServerReply } from './server-process.js';

export interface ServerProcess {
  baseUrl: string;
  memory(): Promise<ServerMemory>;
  /** The server's event-loop utilization since it started; pass two to performance.eventLoopUtilization for a span. */
  elu(): Promise<EventLoopUtilization>;
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
    async stop() {
      child.disconnect();
      await exited;
    },
  };
}
