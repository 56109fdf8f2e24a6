import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import {
  CreateDepartmentInput,
  CreateWebhookInput,
  DepartmentList,
  DepartmentView,
  MarkReadInput,
  MarkReadResult,
  NotificationList,
  NotificationListQuery,
  NotificationPreferences,
  NotificationStream,
  UpdateWebhookInput,
  WebhookDeliveryList,
  WebhookDeliveryParams,
  WebhookDeliveryView,
  WebhookList,
  WebhookView,
  DELIVERY_STATUSES,
} from '../../../contracts/notifications.js';
import { NoContent } from '../../../contracts/common.js';
import type { Config } from '../../config.js';
import type { Ctx } from '../../db/context.js';
import { AppError } from '../../platform/errors.js';
import { IdParams, type App } from '../../platform/http.js';
import { publishedListeners } from '../../platform/outbox.js';
import { createDepartment, listDepartments } from './departments.service.js';
import { getPreferences, putPreferences } from './notifications.preferences.js';
import { listNotifications, markRead, readerLanguage, unreadCount } from './notifications.service.js';
import { relayUnreadToPeers } from './notifications.peers.js';
import { notificationSignals, UNREAD_CHANGED } from './notifications.signal.js';
import { startNotificationWorker, type NotificationWorker } from './notifications.worker.js';
import { createWebhook, deleteWebhook, getWebhook, listDeliveries, listWebhooks, redeliver, updateWebhook } from './webhooks.service.js';

function userOf(actor: { userId: number | null }): number {
  if (actor.userId === null) throw new AppError('forbidden', 'Notifications belong to users');
  return actor.userId;
}

const StreamQuery = z.object({
  /** The stream ends after this long and EventSource reconnects; 0 sends the current count and ends. */
  maxSeconds: z.coerce.number().int().min(0).max(3600).default(300),
});
const DeliveriesQuery = z.object({
  status: z.enum(DELIVERY_STATUSES).optional(),
  cursor: z.string().regex(/^[1-9][0-9]{0,15}$/, 'must be a cursor from a previous page').optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export function notificationsRoutes(app: App, ctx: Ctx, config: Config): void {
  const tags = ['notifications'];
  app.get('/api/notifications', { config: { access: 'authenticated' }, schema: { tags, querystring: NotificationListQuery, response: { 200: NotificationList } } }, async (request) =>
    listNotifications(ctx, userOf(request.actor), request.query.lang ?? (await readerLanguage(ctx, request.actor.userId, request.headers['accept-language'])), request.query),
  );
  app.post('/api/notifications/read', { config: { access: 'authenticated' }, schema: { tags, body: MarkReadInput, response: { 200: MarkReadResult } } }, async (request) => markRead(ctx, userOf(request.actor), request.body));

  const streams = new Set<ServerResponse>();
  app.get('/api/notifications/stream', { config: { access: 'authenticated' }, schema: { tags, querystring: StreamQuery, produces: ['text/event-stream'], response: { 200: NotificationStream } } }, async (request, reply) => {
    const userId = userOf(request.actor);
    const first = await unreadCount(ctx, userId);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    let last = first;
    res.write(`retry: 3000\nevent: notification\ndata: ${JSON.stringify({ unread: first })}\n\n`);
    if (request.query.maxSeconds === 0) return void res.end();
    streams.add(res);
    const send = async () => {
      const unread = await unreadCount(ctx, userId);
      if (unread !== last && !res.writableEnded) {
        last = unread;
        res.write(`event: notification\ndata: ${JSON.stringify({ unread })}\n\n`);
      }
    };
    const onChange = (ids: number[]) => {
      if (ids.includes(userId)) send().catch(() => undefined);
    };
    notificationSignals.on(UNREAD_CHANGED, onChange);
    // Another instance may have delivered or marked read: a slow poll covers what the in-process signal cannot.
    const poll = setInterval(() => void send().catch(() => undefined), 5000).unref();
    const ping = setInterval(() => res.write(': keep-alive\n\n'), 25_000).unref();
    const end = setTimeout(() => res.end(), request.query.maxSeconds * 1000).unref();
    res.on('close', () => {
      notificationSignals.off(UNREAD_CHANGED, onChange);
      clearInterval(poll);
      clearInterval(ping);
      clearTimeout(end);
      streams.delete(res);
    });
  });
  // Open streams would keep the server from closing.
  app.addHook('preClose', async () => {
    for (const s of streams) s.end();
  });
  // Several instances on one PostgreSQL: the others' deliveries ring this instance's bells at once.
  let peers: ReturnType<typeof relayUnreadToPeers> = null;
  app.addHook('onReady', async () => {
    peers = relayUnreadToPeers(ctx, notificationSignals, app.log);
  });
  app.addHook('onClose', async () => peers?.close());

  app.get('/api/me/notification-preferences', { config: { access: 'authenticated' }, schema: { tags, response: { 200: NotificationPreferences } } }, async (request) => getPreferences(ctx, userOf(request.actor)));
  app.put('/api/me/notification-preferences', { config: { access: 'authenticated' }, schema: { tags, body: NotificationPreferences, response: { 200: NotificationPreferences } } }, async (request) =>
    putPreferences(ctx, userOf(request.actor), request.body),
  );

  app.get('/api/departments', { config: { access: { anyOf: ['notifications.manage', 'users.manage'] } }, schema: { tags, response: { 200: DepartmentList } } }, async () => ({ items: await listDepartments(ctx) }));
  app.post('/api/departments', { config: { access: 'notifications.manage' }, schema: { tags, body: CreateDepartmentInput, response: { 201: DepartmentView } } }, async (request, reply) => {
    reply.code(201);
    return createDepartment(ctx, request.actor, request.body);
  });

  app.get('/api/webhooks', { config: { access: 'notifications.manage' }, schema: { tags, response: { 200: WebhookList } } }, async () => ({ items: await listWebhooks(ctx) }));
  app.post('/api/webhooks', { config: { access: 'notifications.manage' }, schema: { tags, body: CreateWebhookInput, response: { 201: WebhookView } } }, async (request, reply) => {
    reply.code(201);
    return createWebhook(ctx, request.actor, request.body);
  });
  app.get('/api/webhooks/:id', { config: { access: 'notifications.manage' }, schema: { tags, params: IdParams, response: { 200: WebhookView } } }, async (request) => getWebhook(ctx, Number(request.params.id)));
  app.patch('/api/webhooks/:id', { config: { access: 'notifications.manage' }, schema: { tags, params: IdParams, body: UpdateWebhookInput, response: { 200: WebhookView } } }, async (request) =>
    updateWebhook(ctx, request.actor, Number(request.params.id), request.body),
  );
  app.delete('/api/webhooks/:id', { config: { access: 'notifications.manage' }, schema: { tags, params: IdParams, response: { 204: NoContent } } }, async (request, reply) => {
    await deleteWebhook(ctx, request.actor, Number(request.params.id));
    reply.code(204);
  });
  app.get('/api/webhooks/:id/deliveries', { config: { access: 'notifications.manage' }, schema: { tags, params: IdParams, querystring: DeliveriesQuery, response: { 200: WebhookDeliveryList } } }, async (request) =>
    listDeliveries(ctx, Number(request.params.id), request.query),
  );
  app.post('/api/webhooks/:id/deliveries/:deliveryId/redeliver', { config: { access: 'notifications.manage' }, schema: { tags, params: WebhookDeliveryParams, response: { 200: WebhookDeliveryView } } }, async (request) => {
    const delivery = await redeliver(ctx, request.actor, Number(request.params.id), Number(request.params.deliveryId));
    worker?.wake();
    return delivery;
  });

  let worker: NotificationWorker | undefined;
  let published = false;
  const onPublished = () => {
    published = true;
  };
  if (config.jobs) {
    app.addHook('onReady', async () => {
      publishedListeners.add(onPublished);
      worker = startNotificationWorker(ctx, config, app.log);
    });
    // The response leaves after the command's transaction committed: the events are visible to the dispatcher.
    app.addHook('onResponse', async () => {
      if (published) {
        published = false;
        worker?.wake();
      }
    });
    app.addHook('onClose', async () => {
      publishedListeners.delete(onPublished);
      await worker?.stop();
    });
  }
}
