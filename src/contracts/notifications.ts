import { z } from 'zod';
import { Id } from './common.js';

/** Outbox topics of SPEC §5; every one may be subscribed to by a webhook. */
export const NOTIFICATION_TOPICS = [
  'order.created',
  'order.confirmed',
  'order.shipped',
  'order.completed',
  'order.cancelled',
  'order.deleted',
  'order.restored',
  'order.purged',
  'restore_request.created',
  'restore_request.approved',
  'restore_request.rejected',
  'cleanup.review_opened',
  'cleanup.executed',
  'data_quality.violations_found',
] as const;
export const NotificationTopic = z.enum(NOTIFICATION_TOPICS);
export type NotificationTopic = z.infer<typeof NotificationTopic>;

export const BUILTIN_DEPARTMENTS = ['sales', 'warehouse', 'finance'] as const;
export const DepartmentCode = z
  .string()
  .trim()
  .min(2, 'at least 2 characters')
  .max(40)
  .regex(/^[a-z][a-z0-9_-]*$/, 'lower-case letters, digits, "_" and "-" only');

export const DepartmentView = z.object({ code: z.string(), nameZh: z.string(), nameEn: z.string(), builtin: z.boolean(), members: z.number() });
export type DepartmentView = z.infer<typeof DepartmentView>;
export const CreateDepartmentInput = z.object({ code: DepartmentCode, nameZh: z.string().trim().min(1).max(60), nameEn: z.string().trim().min(1).max(60) });
export type CreateDepartmentInput = z.infer<typeof CreateDepartmentInput>;
export const DepartmentList = z.object({ items: z.array(DepartmentView) });
export type DepartmentList = z.infer<typeof DepartmentList>;

export const NotificationView = z.object({
  id: z.string(),
  topic: z.string(),
  title: z.string(),
  body: z.string(),
  /** A path inside the web app: the order, the recycle bin or the request. */
  link: z.string().nullable(),
  count: z.number(),
  createdAt: z.string(),
  readAt: z.string().nullable(),
});
export type NotificationView = z.infer<typeof NotificationView>;

export const NotificationListQuery = z.object({
  unread: z.enum(['true', 'false']).optional(),
  cursor: z.string().regex(/^[1-9][0-9]{0,15}$/, 'must be a cursor from a previous page').optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** The language to render in, e.g. the web app's current one; else the user's saved language, else Accept-Language. */
  lang: z.enum(['zh-CN', 'en']).optional(),
});
export const NotificationList = z.object({ items: z.array(NotificationView), nextCursor: z.string().nullable(), unread: z.number() });
export type NotificationList = z.infer<typeof NotificationList>;

export const MarkReadInput = z
  .object({ ids: z.array(Id).min(1, 'at least one id').max(1000).optional(), all: z.literal(true).optional() })
  .strict()
  .refine((v) => (v.ids === undefined) !== (v.all === undefined), { message: 'send either ids or all: true', path: ['ids'] });
export type MarkReadInput = z.infer<typeof MarkReadInput>;
export const MarkReadResult = z.object({ updated: z.number(), unread: z.number() });
export type MarkReadResult = z.infer<typeof MarkReadResult>;

/** The 200 of `GET /api/notifications/stream` for OpenAPI (the route writes the stream itself, so no serialiser sees it). */
export const NotificationStream = {
  description: 'Server-sent events: `event: notification` with `data: {"unread": <count>}` whenever the unread count changes',
  content: { 'text/event-stream': { schema: z.string().describe('An event stream of unread counts') } },
};

export const TopicPreference = z.object({ inApp: z.boolean(), email: z.boolean() });
export const NotificationPreferences = z.object({ topics: z.partialRecord(NotificationTopic, TopicPreference) });
export type NotificationPreferences = z.infer<typeof NotificationPreferences>;

/** http(s) only; the address it resolves to is checked when sending. */
export const WebhookUrl = z
  .string()
  .trim()
  .max(2000)
  .url('must be an http(s) URL')
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL');

export const CreateWebhookInput = z.object({
  url: WebhookUrl,
  topics: z.array(NotificationTopic).min(1, 'at least one topic'),
  description: z.string().trim().max(500).optional(),
});
export type CreateWebhookInput = z.infer<typeof CreateWebhookInput>;
export const UpdateWebhookInput = z
  .object({
    url: WebhookUrl,
    topics: z.array(NotificationTopic).min(1, 'at least one topic'),
    description: z.string().trim().max(500).nullable(),
    enabled: z.boolean(),
    /** true: a new secret is generated and returned once. */
    rotateSecret: z.literal(true),
  })
  .partial();
export type UpdateWebhookInput = z.infer<typeof UpdateWebhookInput>;

export const WebhookView = z.object({
  id: z.string(),
  url: z.string(),
  topics: z.array(z.string()),
  description: z.string().nullable(),
  enabled: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Only in the answer to create and to a rotation. */
  secret: z.string().optional(),
});
export type WebhookView = z.infer<typeof WebhookView>;
export const WebhookList = z.object({ items: z.array(WebhookView) });
export type WebhookList = z.infer<typeof WebhookList>;

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'dead'] as const;
export const WebhookDeliveryView = z.object({
  id: z.string(),
  eventId: z.string(),
  topic: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.number(),
  lastStatusCode: z.number().nullable(),
  lastError: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  createdAt: z.string(),
});
export type WebhookDeliveryView = z.infer<typeof WebhookDeliveryView>;
export const WebhookDeliveryList = z.object({ items: z.array(WebhookDeliveryView), nextCursor: z.string().nullable() });
export type WebhookDeliveryList = z.infer<typeof WebhookDeliveryList>;
export const WebhookDeliveryParams = z.object({ id: Id, deliveryId: Id });
