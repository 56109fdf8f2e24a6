import { createHmac } from 'node:crypto';
import dns from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Ctx } from '../../db/context.js';
import { isoPlus, nowIso } from '../../platform/clock.js';
import { MAX_ATTEMPTS, retryDelayMs } from './retry-schedule.js';

export interface WebhookSendOptions {
  /** ORDERLY_WEBHOOK_ALLOW_PRIVATE: tests and on-premise relays may post to private addresses. */
  allowPrivate: boolean;
  timeoutMs: number;
  now?: () => string;
  random?: () => number;
  limit?: number;
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` (SPEC §5). */
export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex')}`;
}

// Loopback, private, link-local (cloud metadata lives there), carrier-grade NAT, multicast and reserved ranges.
const blocked = new net.BlockList();
for (const [net4, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(net4, bits, 'ipv4');
for (const [net6, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96]] as const) blocked.addSubnet(net6, bits, 'ipv6');

export function isPrivateAddress(address: string): boolean {
  const mapped = address.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i)?.[1];
  if (mapped) return blocked.check(mapped, 'ipv4');
  return blocked.check(address, net.isIPv6(address) ? 'ipv6' : 'ipv4');
}

export class RefusedAddress extends Error {}

/**
 * The address to connect to, checked after DNS resolution: the connection then goes to that very address,
 * so a name that resolves differently a moment later (DNS rebinding) cannot slip a private one in.
 */
export async function vetDestination(url: URL, allowPrivate: boolean): Promise<{ address: string; family: number }> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const resolved = net.isIP(host) ? [{ address: host, family: net.isIP(host) }] : await dns.lookup(host, { all: true, verbatim: true });
  if (resolved.length === 0) throw new Error(`${host} does not resolve`);
  if (!allowPrivate) {
    const refused = resolved.find((r) => isPrivateAddress(r.address));
    if (refused) throw new RefusedAddress(`${host} resolves to ${refused.address}, a private or loopback address (set ORDERLY_WEBHOOK_ALLOW_PRIVATE=true to allow)`);
  }
  return resolved[0];
}

/**
 * One POST; redirects are not followed (a 3xx counts as a failure), so a public receiver cannot bounce the
 * request to an internal address.
 */
export async function postSigned(urlText: string, headers: Record<string, string>, body: string, options: Pick<WebhookSendOptions, 'allowPrivate' | 'timeoutMs'>): Promise<number> {
  const url = new URL(urlText);
  const target = await vetDestination(url, options.allowPrivate);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<number>((resolve, reject) => {
    const request = client.request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'Orderly-Webhooks/1', ...headers },
        lookup: (_host, _opts, callback) => (callback as (e: Error | null, a: string, f: number) => void)(null, target.address, target.family),
        timeout: options.timeoutMs,
        signal: AbortSignal.timeout(options.timeoutMs),
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}

/**
 * Sends the due webhook deliveries. Each is claimed with a conditional update (so two instances never send the
 * same attempt) and the claim expires: a sender that dies mid-request leaves it to be retried, never lost.
 */
export async function deliverDueWebhooks(ctx: Ctx, options: WebhookSendOptions): Promise<{ attempted: number; delivered: number }> {
  const now = (options.now ?? nowIso)();
  const due = await ctx.kysely
    .selectFrom('webhook_deliveries')
    .innerJoin('webhooks', 'webhooks.id', 'webhook_deliveries.webhook_id')
    .select(['webhook_deliveries.id', 'webhook_deliveries.body', 'webhook_deliveries.event_id', 'webhook_deliveries.attempts', 'webhooks.url', 'webhooks.secret'])
    .where('webhook_deliveries.status', 'in', ['pending', 'failed'])
    .where('webhook_deliveries.next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('webhook_deliveries.locked_until', 'is', null), eb('webhook_deliveries.locked_until', '<=', now)]))
    .where('webhooks.enabled', '=', 1)
    .orderBy('webhook_deliveries.next_attempt_at')
    .orderBy('webhook_deliveries.id')
    .limit(options.limit ?? 50)
    .execute();
  let attempted = 0;
  let delivered = 0;
  await Promise.all(
    due.map(async (d) => {
      const claimed = await ctx.kysely
        .updateTable('webhook_deliveries')
        .set({ locked_until: isoPlus(now, options.timeoutMs + 60_000) })
        .where('id', '=', d.id)
        .where('attempts', '=', d.attempts)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) return;
      attempted++;
      let code: number | null = null;
      let error: string | null = null;
      try {
        const t = Math.floor(Date.parse(now) / 1000);
        code = await postSigned(d.url, { 'orderly-signature': signatureHeader(d.secret, d.body, t), 'orderly-event-id': String(d.event_id) }, d.body, options);
        if (code < 200 || code >= 300) error = `HTTP ${code}${code >= 300 && code < 400 ? ' (redirects are not followed)' : ''}`;
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      }
      const attempts = d.attempts + 1;
      const done = error === null;
      if (done) delivered++;
      await ctx.kysely
        .updateTable('webhook_deliveries')
        .set({
          attempts,
          last_status_code: code,
          last_error: error?.slice(0, 1000) ?? null,
          status: done ? 'delivered' : attempts >= MAX_ATTEMPTS ? 'dead' : 'failed',
          next_attempt_at: done || attempts >= MAX_ATTEMPTS ? null : isoPlus(now, retryDelayMs(attempts, options.random)),
          delivered_at: done ? nowIso() : null,
          locked_until: null,
          updated_at: nowIso(),
        })
        .where('id', '=', d.id)
        .execute();
    }),
  );
  return { attempted, delivered };
}
