import { sql } from 'kysely';
import pg from 'pg';
import type { Db } from './connect.js';

/**
 * PostgreSQL LISTEN/NOTIFY between instances sharing one database, for signals that only make something prompt
 * (nothing is lost without them: whoever listens also polls). SQLite has one instance per file: nothing to do.
 */
export interface Subscription {
  /**
   * Resolves once the first LISTEN is in place (messages sent before it are not received), or once closed; never
   * rejects, since a failed connection is retried and reported to `onError`.
   */
  ready: Promise<void>;
  close(): Promise<void>;
}

/** Sends `payload` (at most ~8000 bytes) to every instance listening on `channel`. */
export async function notifyPeers(ctx: Db, channel: string, payload: string): Promise<void> {
  if (!ctx.connectionUrl) return;
  await sql`select pg_notify(${channel}, ${payload})`.execute(ctx.kysely);
}

/**
 * Listens on `channel` on a connection of its own (LISTEN holds a session, so not one from the pool), and
 * reconnects after a dropped connection; returns null on SQLite. `onListening(false)` as soon as the connection is
 * lost (messages sent until it is back are never received) and `(true)` once LISTEN is in place again.
 */
export function listenToPeers(
  ctx: Db,
  channel: string,
  onPayload: (payload: string) => void,
  onError: (error: unknown) => void = () => undefined,
  onListening: (listening: boolean) => void = () => undefined,
): Subscription | null {
  const url = ctx.connectionUrl;
  if (!url) return null;
  let client: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let listened: () => void = () => undefined;
  // Closing before LISTEN is in place (an app shut down as it starts) ends the connection under the pending query:
  // that is no error, and a rejected `ready` nobody awaits would be an unhandled rejection.
  const ready = new Promise<void>((resolve) => (listened = resolve));
  const failed = (error: unknown) => {
    if (closed) return;
    onError(error);
    if (client) reconnect(client);
  };
  const open = async () => {
    const c = new pg.Client({ connectionString: url });
    c.on('notification', (message) => {
      if (message.channel === channel && message.payload !== undefined) onPayload(message.payload);
    });
    c.on('error', (error) => {
      onError(error);
      reconnect(c);
    });
    c.on('end', () => reconnect(c));
    client = c;
    await c.connect();
    await c.query(`listen ${pg.escapeIdentifier(channel)}`);
    if (client === c && !closed) {
      onListening(true);
      listened();
    }
  };
  const reconnect = (c: pg.Client) => {
    if (closed || client !== c) return;
    client = undefined;
    onListening(false);
    void c.end().catch(() => undefined);
    retry = setTimeout(() => {
      open().catch(failed);
    }, 1000).unref();
  };
  open().catch(failed);
  return {
    ready,
    async close() {
      closed = true;
      onListening(false);
      clearTimeout(retry);
      listened();
      await client?.end().catch(() => undefined);
    },
  };
}
