import type { FastifyInstance } from 'fastify';

/**
 * Graceful stop on SIGTERM/SIGINT (a deployment, `systemctl stop`, `docker stop`): the instance first reports
 * itself not ready (/readyz 503), then Fastify stops accepting connections — a proxy's next connection attempt
 * is refused and goes to another instance, so no request is lost — and waits for the requests in flight; the
 * app's onClose hooks stop the job runner and the notification worker, which finish their current run and
 * release their leases; then the database closes. Whatever is still running at the deadline is abandoned:
 * leases then expire and another instance takes the work over, and a command's transaction that had not
 * committed rolls back.
 */
const stopping = new WeakSet<FastifyInstance>();

export const isShuttingDown = (app: FastifyInstance) => stopping.has(app);

export interface ShutdownOptions {
  deadlineMs: number;
  /** Closes what the app does not own (the database). */
  closeResources: () => Promise<void>;
  exit?: (code: number) => void;
}

/** Stops the app once (repeated signals are ignored) and resolves with the exit code it used. */
export function gracefulShutdown(app: FastifyInstance, options: ShutdownOptions): (signal: string) => Promise<number> {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let started: Promise<number> | undefined;
  return (signal: string) =>
    (started ??= (async () => {
      stopping.add(app);
      app.log.info({ signal, deadlineMs: options.deadlineMs }, 'shutting down: finishing requests in flight and running jobs');
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'deadline'>((resolve) => {
        timer = setTimeout(() => resolve('deadline'), options.deadlineMs).unref();
      });
      // Node closes the connections idle when close() is called; a keep-alive connection whose request finishes
      // later would stay open until its timeout and hold the shutdown up. Sweep them as they become idle.
      const sweeper = setInterval(() => app.server.closeIdleConnections(), 100).unref();
      const closed = (async () => {
        await app.close();
        await options.closeResources();
        return 'closed' as const;
      })().catch((error: unknown) => {
        app.log.error({ err: error }, 'error while shutting down');
        return 'failed' as const;
      });
      const outcome = await Promise.race([closed, deadline]);
      clearTimeout(timer);
      clearInterval(sweeper);
      if (outcome === 'deadline') app.log.warn('shutdown deadline reached; exiting with work unfinished (leases expire, open transactions roll back)');
      const code = outcome === 'closed' ? 0 : 1;
      exit(code);
      return code;
    })());
}
