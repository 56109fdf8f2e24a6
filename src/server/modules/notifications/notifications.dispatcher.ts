import type { Transaction } from 'kysely';
import type { Ctx } from '../../db/context.js';
import { claimRows, claimsNeedLease } from '../../db/claim.js';
import type { DB } from '../../db/schema.js';
import { nowIso } from '../../platform/clock.js';
import { acquireJobLease, releaseJobLease } from '../../platform/jobs.js';
import { audienceOf, RecipientResolver } from './notifications.routing.js';
import { preferencesOf } from './notifications.preferences.js';
import { notificationSignals, UNREAD_CHANGED } from './notifications.signal.js';
import type { NotificationParams } from './notifications.text.js';

export interface DispatchOptions {
  batchSize?: number;
  now?: () => string;
  /**
   * Tests: called inside each slice's transaction once its receipts are written (slices count from 1), so a test
   * can fail the transaction there or hold it open while another process kills this one.
   */
  insideSlice?: (slice: number) => void | Promise<void>;
}

export interface DispatchResult {
  events: number;
  receipts: number;
  webhookDeliveries: number;
  emails: number;
}

interface ClaimedEvent {
  id: number;
  topic: string;
  payload: Record<string, unknown>;
  createdAt: string;
}

const DISPATCH_JOB = 'notifications.dispatch';
const SAMPLE = 5;

/** An id read from an event payload, as text: writers store ids as strings or numbers, never anything else. */
function idText(v: unknown): string | null {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' ? String(v) : null;
}

/** A bulk operation's events share one group per recipient: "12 orders deleted", not twelve notifications. */
function groupKeyOf(e: ClaimedEvent): string {
  const batchId = e.payload.batchId;
  if (typeof batchId === 'string' && batchId) return `${e.topic}:batch:${batchId}`;
  const requestId = idText(e.payload.requestId);
  if (e.topic.startsWith('restore_request.') && requestId) return `${e.topic}:request:${requestId}`;
  return `${e.topic}:event:${e.id}`;
}

function actorIdOf(p: Record<string, unknown>): number | null {
  const v = p.deletedBy ?? p.restoredBy ?? p.purgedBy ?? p.decidedBy ?? p.requestedBy ?? p.actorId ?? p.approvedBy ?? null;
  const text = idText(v);
  return text !== null && /^[0-9]+$/.test(text) ? Number(text) : null;
}

function chunks<T>(rows: T[], size = 400): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/**
 * Turns one claimed slice of the outbox into per-recipient effects, in one transaction with marking the events
 * delivered: a crash anywhere before the commit leaves the events pending and writes nothing, and the unique
 * receipts make even a replayed event (e.g. an acknowledgement lost after commit) count once per recipient.
 */
async function dispatchSlice(trx: Transaction<DB>, ctx: Ctx, options: DispatchOptions, slice: number): Promise<DispatchResult & { notifiedUsers: number[] }> {
  const now = (options.now ?? nowIso)();
  const batchSize = options.batchSize ?? 1000;
  const rows = await claimRows(
    trx
      .selectFrom('outbox')
      .select(['id', 'topic', 'payload', 'created_at'])
      .where('delivered_at', 'is', null)
      .where('available_at', '<=', now)
      .orderBy('id')
      .limit(batchSize),
    ctx.dialect,
  ).execute();
  const result = { events: rows.length, receipts: 0, webhookDeliveries: 0, emails: 0, notifiedUsers: [] as number[] };
  if (rows.length === 0) return result;
  const events: ClaimedEvent[] = rows.map((r) => ({ id: r.id, topic: r.topic, payload: JSON.parse(r.payload) as Record<string, unknown>, createdAt: r.created_at }));

  // Owners of events that do not carry them (status changes), in one read.
  const needOwner = [...new Set(events.filter((e) => e.payload.ownerId == null && e.payload.orderId != null).map((e) => Number(e.payload.orderId)))];
  const ownerOf = new Map<number, number>();
  for (const c of chunks(needOwner)) for (const o of await trx.selectFrom('orders').select(['id', 'owner_id']).where('id', 'in', c).execute()) ownerOf.set(o.id, o.owner_id);

  const resolver = new RecipientResolver(trx);
  const recipientsOf = new Map<number, number[]>();
  for (const e of events) {
    const audience = audienceOf(e.topic, e.payload, ownerOf.get(Number(e.payload.orderId)) ?? null);
    recipientsOf.set(e.id, await resolver.resolve(audience));
  }

  const receiptRows = events.flatMap((e) => recipientsOf.get(e.id)!.map((user_id) => ({ event_id: e.id, user_id, created_at: now })));
  const inserted: Array<{ event_id: number; user_id: number }> = [];
  for (const c of chunks(receiptRows)) {
    inserted.push(...(await trx.insertInto('notification_receipts').values(c).onConflict((oc) => oc.columns(['event_id', 'user_id']).doNothing()).returning(['event_id', 'user_id']).execute()));
  }
  result.receipts = inserted.length;
  await options.insideSlice?.(slice);

  const users = [...new Set(inserted.map((r) => r.user_id))];
  const actorIds = [...new Set(events.map((e) => actorIdOf(e.payload)).filter((v): v is number => v !== null))];
  const names = new Map<number, string>();
  for (const c of chunks(actorIds)) for (const u of await trx.selectFrom('users').select(['id', 'username', 'display_name']).where('id', 'in', c).execute()) names.set(u.id, u.display_name ?? u.username);
  const emailOf = new Map<number, string | null>();
  for (const c of chunks(users)) for (const u of await trx.selectFrom('users').select(['id', 'email']).where('id', 'in', c).execute()) emailOf.set(u.id, u.email);
  const preference = await preferencesOf(trx, users);

  const byId = new Map(events.map((e) => [e.id, e]));
  const groups = new Map<string, { userId: number; topic: string; groupKey: string; firstEventId: number; count: number; numbers: string[]; event: ClaimedEvent }>();
  for (const r of inserted) {
    const e = byId.get(r.event_id)!;
    const groupKey = groupKeyOf(e);
    const key = `${r.user_id}|${groupKey}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { userId: r.user_id, topic: e.topic, groupKey, firstEventId: e.id, count: 0, numbers: [], event: e }));
    g.count++;
    if (typeof e.payload.number === 'string' && g.numbers.length < SAMPLE) g.numbers.push(e.payload.number);
  }
  const paramsFor = (g: { numbers: string[]; event: ClaimedEvent }): NotificationParams => {
    const p = g.event.payload;
    const actor = actorIdOf(p);
    const orderId = idText(p.orderId);
    const requestId = idText(p.requestId);
    return {
      ...(orderId !== null ? { orderId } : {}),
      ...(typeof p.number === 'string' ? { number: p.number } : {}),
      numbers: g.numbers,
      batchId: typeof p.batchId === 'string' ? p.batchId : null,
      // The name now, else the one the event was published with (a system job's, or a user since removed).
      actorName: (actor !== null ? names.get(actor) : undefined) ?? (typeof p.actorName === 'string' ? p.actorName : null),
      reason: (p.reason as NotificationParams['reason']) ?? null,
      ...(requestId !== null ? { requestId } : {}),
      ...(typeof p.from === 'string' ? { from: p.from } : {}),
    };
  };
  // An event's recipients mostly share its text: build and serialise it once per first event and sample of
  // numbers, not once per recipient (it was a third of the dispatch time with six recipients an event).
  const paramsJson = new Map<string, string>();
  const paramsOf = (g: { numbers: string[]; event: ClaimedEvent }): string => {
    const key = `${g.event.id}\u0000${g.numbers.join('\u0000')}`;
    let json = paramsJson.get(key);
    if (json === undefined) paramsJson.set(key, (json = JSON.stringify(paramsFor(g))));
    return json;
  };

  const inbox = [...groups.values()].filter((g) => preference(g.userId, g.topic).inApp);
  for (const c of chunks(inbox, 200)) {
    await trx
      .insertInto('notifications')
      .values(c.map((g) => ({ user_id: g.userId, topic: g.topic, group_key: g.groupKey, params: paramsOf(g), count: g.count, created_at: now, updated_at: now, read_at: null })))
      .onConflict((oc) =>
        oc.columns(['user_id', 'group_key']).doUpdateSet((eb) => ({ count: eb('notifications.count', '+', eb.ref('excluded.count')), updated_at: eb.ref('excluded.updated_at'), read_at: null })),
      )
      .execute();
  }
  result.notifiedUsers = [...new Set(inbox.map((g) => g.userId))];

  // One e-mail per recipient and group within this slice; a group spread over two slices sends two, never none.
  const mails = [...groups.values()].filter((g) => preference(g.userId, g.topic).email && emailOf.get(g.userId));
  for (const c of chunks(mails, 200)) {
    const written = await trx
      .insertInto('email_deliveries')
      .values(c.map((g) => ({ user_id: g.userId, group_key: `${g.groupKey}:${g.firstEventId}`, topic: g.topic, params: paramsOf(g), count: g.count, status: 'pending', attempts: 0, next_attempt_at: now, created_at: now })))
      .onConflict((oc) => oc.columns(['user_id', 'group_key']).doNothing())
      .returning('id')
      .execute();
    result.emails += written.length;
  }

  const hooks = (await trx.selectFrom('webhooks').select(['id', 'topics']).where('enabled', '=', 1).execute()).map((h) => ({ id: h.id, topics: new Set(JSON.parse(h.topics) as string[]) }));
  const deliveries = events.flatMap((e) =>
    hooks
      .filter((h) => h.topics.has(e.topic))
      .map((h) => ({
        webhook_id: h.id,
        event_id: e.id,
        topic: e.topic,
        body: JSON.stringify({ id: String(e.id), topic: e.topic, occurredAt: e.createdAt, data: e.payload }),
        status: 'pending',
        attempts: 0,
        next_attempt_at: now,
        created_at: now,
        updated_at: now,
      })),
  );
  for (const c of chunks(deliveries, 200)) {
    const written = await trx.insertInto('webhook_deliveries').values(c).onConflict((oc) => oc.columns(['webhook_id', 'event_id']).doNothing()).returning('id').execute();
    result.webhookDeliveries += written.length;
  }

  for (const c of chunks(events.map((e) => e.id), 1000)) {
    await trx.updateTable('outbox').set((eb) => ({ delivered_at: now, attempts: eb('attempts', '+', 1) })).where('id', 'in', c).execute();
  }
  return result;
}

/**
 * Drains the outbox. On PostgreSQL any number of instances may run this at once (rows are claimed with
 * SKIP LOCKED); on SQLite the job lease keeps it to one instance at a time.
 */
export async function dispatchOutbox(ctx: Ctx, options: DispatchOptions & { owner?: string } = {}): Promise<DispatchResult> {
  const total: DispatchResult = { events: 0, receipts: 0, webhookDeliveries: 0, emails: 0 };
  const owner = options.owner ?? 'dispatch';
  const leased = claimsNeedLease(ctx.dialect);
  // The lease is taken on the dispatcher's clock, so a test that injects one can also outlive a killed holder's lease.
  if (leased && !(await acquireJobLease(ctx, DISPATCH_JOB, owner, 60_000, new Date((options.now ?? nowIso)())))) return total;
  let failure: unknown;
  try {
    for (let n = 1; ; n++) {
      const slice = await ctx.kysely.transaction().execute((trx) => dispatchSlice(trx, ctx, options, n));
      total.events += slice.events;
      total.receipts += slice.receipts;
      total.webhookDeliveries += slice.webhookDeliveries;
      total.emails += slice.emails;
      if (slice.notifiedUsers.length > 0) notificationSignals.emit(UNREAD_CHANGED, slice.notifiedUsers);
      if (slice.events < (options.batchSize ?? 1000)) break;
    }
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    if (leased) await releaseJobLease(ctx, DISPATCH_JOB, owner, failure, new Date((options.now ?? nowIso)()));
  }
  return total;
}
