import type { NotificationList, NotificationPreferences, WebhookDeliveryView, WebhookView, CreateWebhookInput, UpdateWebhookInput, DepartmentView } from '../../contracts/notifications.js';
import type { Language } from '../i18n/locale.js';
import { apiGet, apiPatch, apiPost, apiPut, apiRequest } from './http.js';

export const notificationKeys = {
  all: ['notifications'] as const,
  list: (unread: boolean, lang: Language) => ['notifications', 'list', unread, lang] as const,
  recent: (lang: Language) => ['notifications', 'recent', lang] as const,
  preferences: ['notifications', 'preferences'] as const,
  webhooks: ['webhooks'] as const,
  deliveries: (id: string) => ['webhooks', id, 'deliveries'] as const,
  departments: ['departments'] as const,
};

export const listNotifications = (query: { unread?: boolean; cursor?: string | null; limit?: number; lang: Language }) =>
  apiGet<NotificationList>('/api/notifications', { unread: query.unread ? 'true' : undefined, cursor: query.cursor ?? undefined, limit: query.limit, lang: query.lang });
export const markNotificationsRead = (input: { ids: string[] } | { all: true }) => apiPost<{ updated: number; unread: number }>('/api/notifications/read', input);
export const getPreferences = () => apiGet<NotificationPreferences>('/api/me/notification-preferences');
export const putPreferences = (input: NotificationPreferences) => apiPut<NotificationPreferences>('/api/me/notification-preferences', input);

export const listDepartments = () => apiGet<{ items: DepartmentView[] }>('/api/departments');

export const listWebhooks = () => apiGet<{ items: WebhookView[] }>('/api/webhooks');
export const createWebhook = (input: CreateWebhookInput) => apiPost<WebhookView>('/api/webhooks', input);
export const updateWebhook = (id: string, input: UpdateWebhookInput) => apiPatch<WebhookView>(`/api/webhooks/${id}`, input);
export const deleteWebhook = (id: string) => apiRequest<void>('DELETE', `/api/webhooks/${id}`);
export const listDeliveries = (id: string) => apiGet<{ items: WebhookDeliveryView[]; nextCursor: string | null }>(`/api/webhooks/${id}/deliveries`);
export const redeliver = (id: string, deliveryId: string) => apiPost<WebhookDeliveryView>(`/api/webhooks/${id}/deliveries/${deliveryId}/redeliver`);
