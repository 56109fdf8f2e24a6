import { randomBytes } from 'node:crypto';
import type { CreateWebhookInput, UpdateWebhookInput, WebhookDeliveryView, WebhookView } from '../../../contracts/notifications.js';
import type { Ctx } from '../../db/context.js';
import type { Selectable } from 'kysely';
import type { WebhooksTable } from '../../db/schema.js';
import type { Actor } from '../../platform/actor.js';
import { recordAudit } from '../../platform/audit.js';
import { nowIso } from '../../platform/clock.js';
import { notFound } from '../../platform/errors.js';

const newSecret = () => `whsec_${randomBytes(32).toString('hex')}`;

function view(row: Selectable<WebhooksTable>, secret?: string): WebhookView {
  return {
    id: String(row.id),
    url: row.url,
    topics: JSON.parse(row.topics) as string[],
    description: row.description,
    enabled: row.enabled === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(secret ? { secret } : {}),
  };
}

export async function listWebhooks(ctx: Ctx): Promise<WebhookView[]> {
  return (await ctx.kysely.selectFrom('webhooks').selectAll().orderBy('id').execute()).map((r) => view(r));
}

async function loadWebhook(ctx: Ctx, id: number) {
  const row = await ctx.kysely.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Webhook');
  return row;
}

export async function getWebhook(ctx: Ctx, id: number): Promise<WebhookView> {
  return view(await loadWebhook(ctx, id));
}

/** POST /api/webhooks: the secret is returned this once; the audit log never sees it. */
export async function createWebhook(ctx: Ctx, actor: Actor, input: CreateWebhookInput): Promise<WebhookView> {
  const secret = newSecret();
  const now = nowIso();
  const row = await ctx.kysely.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('webhooks')
      .values({ url: input.url, topics: JSON.stringify([...new Set(input.topics)]), description: input.description ?? null, secret, enabled: 1, created_by: actor.userId, created_at: now, updated_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, ctx.dialect, actor, { action: 'webhook.create', entityType: 'webhook', entityId: row.id, entityLabel: input.url, diff: { url: input.url, topics: input.topics } });
    return row;
  });
  return view(row, secret);
}

export async function updateWebhook(ctx: Ctx, actor: Actor, id: number, input: UpdateWebhookInput): Promise<WebhookView> {
  const secret = input.rotateSecret ? newSecret() : undefined;
  const row = await ctx.kysely.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
    if (!before) throw notFound('Webhook');
    const row = await trx
      .updateTable('webhooks')
      .set({
        updated_at: nowIso(),
        ...(input.url !== undefined ? { url: input.url } : {}),
        ...(input.topics !== undefined ? { topics: JSON.stringify([...new Set(input.topics)]) } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.enabled !== undefined ? { enabled: input.enabled ? 1 : 0 } : {}),
        ...(secret ? { secret } : {}),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const { rotateSecret, ...changes } = input;
    await recordAudit(trx, ctx.dialect, actor, { action: 'webhook.update', entityType: 'webhook', entityId: id, entityLabel: row.url, diff: { ...changes, ...(rotateSecret ? { secret: 'rotated' } : {}) } });
    return row;
  });
  return view(row, secret);
}

export async function deleteWebhook(ctx: Ctx, actor: Actor, id: number): Promise<void> {
  await ctx.kysely.transaction().execute(async (trx) => {
    const row = await trx.deleteFrom('webhooks').where('id', '=', id).returning(['id', 'url']).executeTakeFirst();
    if (!row) throw notFound('Webhook');
    await recordAudit(trx, ctx.dialect, actor, { action: 'webhook.delete', entityType: 'webhook', entityId: id, entityLabel: row.url });
  });
}

export async function listDeliveries(ctx: Ctx, webhookId: number, query: { status?: string; cursor?: string; limit: number }): Promise<{ items: WebhookDeliveryView[]; nextCursor: string | null }> {
  await loadWebhook(ctx, webhookId);
  const rows = await ctx.kysely
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('webhook_id', '=', webhookId)
    .$if(query.status !== undefined, (qb) => qb.where('status', '=', query.status!))
    .$if(query.cursor !== undefined, (qb) => qb.where('id', '<', Number(query.cursor)))
    .orderBy('id', 'desc')
    .limit(query.limit + 1)
    .execute();
  const page = rows.slice(0, query.limit);
  return {
    items: page.map((r) => ({
      id: String(r.id),
      eventId: String(r.event_id),
      topic: r.topic,
      status: r.status as WebhookDeliveryView['status'],
      attempts: r.attempts,
      lastStatusCode: r.last_status_code,
      lastError: r.last_error,
      nextAttemptAt: r.next_attempt_at,
      deliveredAt: r.delivered_at,
      createdAt: r.created_at,
    })),
    nextCursor: rows.length > query.limit ? String(page[page.length - 1].id) : null,
  };
}

/** Queues the delivery again with a fresh run of attempts; the receiver deduplicates by event id. */
export async function redeliver(ctx: Ctx, actor: Actor, webhookId: number, deliveryId: number): Promise<WebhookDeliveryView> {
  await ctx.kysely.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('webhook_deliveries')
      .set({ status: 'pending', attempts: 0, next_attempt_at: nowIso(), locked_until: null, updated_at: nowIso() })
      .where('id', '=', deliveryId)
      .where('webhook_id', '=', webhookId)
      .returning(['id', 'event_id'])
      .executeTakeFirst();
    if (!row) throw notFound('Delivery');
    await recordAudit(trx, ctx.dialect, actor, { action: 'webhook.redeliver', entityType: 'webhook', entityId: webhookId, entityLabel: `delivery ${deliveryId}`, diff: { deliveryId: String(deliveryId), eventId: String(row.event_id) } });
  });
  const { items } = await listDeliveries(ctx, webhookId, { limit: 1, cursor: String(deliveryId + 1) });
  return items[0];
}
