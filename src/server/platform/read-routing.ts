import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Ctx } from '../db/context.js';
import { primaryLsn, replicaUsable } from '../db/replica.js';
import { databaseReads } from './metrics.js';

/**
 * Which database answers a list, search, report or export read. With a replica (DATABASE_READ_URL) it is the
 * replica, unless it is down or lags beyond ORDERLY_REPLICA_MAX_LAG_SECONDS, or the caller wrote something the
 * replica has not replayed yet: every successful write through a browser session leaves the primary's WAL
 * position in a cookie, so the list shown after a save holds the saved order whichever instance serves it.
 * Commands and single-record reads (the page after a save, a deletion preview) always use the primary `ctx`.
 */
export const WRITTEN_LSN_COOKIE = 'orderly_written';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const UNKNOWN_POSITION = (2n ** 64n - 1n).toString();

export function readerFor(ctx: Ctx, request: FastifyRequest): Ctx {
  if (!ctx.replica) return ctx;
  const raw = request.cookies?.[WRITTEN_LSN_COOKIE];
  const written = raw !== undefined && /^\d{1,20}$/.test(raw) ? BigInt(raw) : null;
  const { monitor, db } = ctx.replica;
  if (replicaUsable(monitor, written)) {
    databaseReads.inc({ target: 'replica', reason: 'ok' });
    return db;
  }
  const reason = !monitor.state.healthy ? 'replica_down' : monitor.state.lagSeconds > monitor.maxLagSeconds ? 'replica_lagging' : written !== null && monitor.state.replayedLsn < written ? 'own_write' : 'replica_stale';
  databaseReads.inc({ target: 'primary', reason });
  return ctx;
}

/** After a successful write, notes in a cookie how far the primary's log had come (see readerFor). */
export function rememberWrites(app: FastifyInstance, ctx: Ctx, secure: boolean): void {
  if (!ctx.replica) return;
  app.addHook('onSend', async (request, reply, payload) => {
    if (SAFE_METHODS.has(request.method) || reply.statusCode >= 400 || !request.url.startsWith('/api/')) return payload;
    // The command's transaction committed before its response is sent; a position read now is at or after it.
    const lsn = await primaryLsn(ctx.kysely).catch(() => null);
    // Position unknown (the query failed): the highest one sends this caller's reads to the primary for a while.
    if (lsn === null) reply.setCookie(WRITTEN_LSN_COOKIE, UNKNOWN_POSITION, { path: '/', httpOnly: true, sameSite: 'lax', secure, maxAge: 30 });
    else reply.setCookie(WRITTEN_LSN_COOKIE, lsn.toString(), { path: '/', httpOnly: true, sameSite: 'lax', secure, maxAge: 300 });
    return payload;
  });
}
