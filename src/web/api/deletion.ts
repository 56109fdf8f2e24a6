import type { PurgeRequested } from '../../contracts/governance.js';
import type {
  CreateRestoreRequestInput,
  DeletePreview,
  DeleteReason,
  DeleteResult,
  PurgeResult,
  RecycleBinPage,
  RestoreRequestView,
  RestoreResult,
  RetentionSetting,
} from '../../contracts/deletion.js';
import type { OrderView } from '../../contracts/orders.js';
import { apiGet, apiPost, apiPut, type QueryValue } from './http.js';

/**
 * Safe deletion over HTTP (SPEC §3/§4): preview, delete, recycle bin, restore, purge, restore requests and
 * the retention setting. Deleting, restoring and purging send an `Idempotency-Key`, so a repeated click
 * replays the first answer instead of acting twice.
 */

/** The list filters of GET /api/orders, as the orders page keeps them; `status` travels as an array. */
export type DeletionFilterValues = Record<string, string | string[] | undefined>;
/** Which orders a deletion names: a selection of ids, or every order matching a filter ("select all N matching"). */
export type DeletionTarget = { ids: string[] } | { filter: DeletionFilterValues };
export type RestoreTarget = { ids: string[] } | { batchId: string };

export const deletionKeys = {
  all: ['deletion'] as const,
  preview: (target: DeletionTarget, nonce: number) => ['deletion', 'preview', target, nonce] as const,
  recycleBin: (query: Record<string, QueryValue>) => ['deletion', 'recycle-bin', query] as const,
  requests: (query: Record<string, QueryValue>) => ['deletion', 'restore-requests', query] as const,
  retention: ['deletion', 'retention'] as const,
};

/** A v4 UUID; `crypto.randomUUID` exists only in secure contexts, an intranet http:// page is not one. */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const withKey = (key: string) => ({ 'idempotency-key': key });

export const previewDeletion = (target: DeletionTarget) => apiPost<DeletePreview>('/api/orders/delete-preview', target);

export const deleteOrders = (target: DeletionTarget, reason: DeleteReason, previewToken: string, key: string) =>
  apiPost<DeleteResult>('/api/orders/delete', { ...target, reason, previewToken }, withKey(key));

export const fetchRecycleBin = (query: Record<string, QueryValue>, signal?: AbortSignal) => apiGet<RecycleBinPage>('/api/recycle-bin', query, signal);

export const restoreOrders = (target: RestoreTarget, key: string) => apiPost<RestoreResult>('/api/recycle-bin/restore', target, withKey(key));

/** 200 with what was purged, or 202 with a purge request when a second admin must approve (SPEC §5). */
export const purgeOrders = (ids: string[], confirm: string, key: string) => apiPost<PurgeResult | PurgeRequested>('/api/recycle-bin/purge', { ids, confirm }, withKey(key));

export const createRestoreRequest = (input: CreateRestoreRequestInput) => apiPost<RestoreRequestView>('/api/restore-requests', input);

export const fetchRestoreRequests = (query: Record<string, QueryValue>, signal?: AbortSignal) =>
  apiGet<{ items: RestoreRequestView[]; nextCursor: string | null }>('/api/restore-requests', query, signal);

export const decideRestoreRequest = (id: string, decision: 'approve' | 'reject', note: string | undefined) =>
  apiPost<RestoreRequestView>(`/api/restore-requests/${id}/${decision}`, note ? { note } : {});

export const fetchRetention = () => apiGet<RetentionSetting>('/api/settings/retention');
export const saveRetention = (days: number) => apiPut<RetentionSetting>('/api/settings/retention', { days });

/**
 * The orders a deletion is about to remove, as JSON, for the user to keep. With `orders.export` the export
 * route writes them in one request (by ids, or by the same filter); without it, each order is read on its own.
 */
export async function fetchOrdersCopy(target: DeletionTarget, previewIds: string[], canExport: boolean): Promise<unknown[]> {
  if (canExport) {
    const query: Record<string, QueryValue> = 'ids' in target ? { format: 'json', ids: target.ids } : { format: 'json', ...target.filter };
    return apiGet<unknown[]>('/api/orders/export', query);
  }
  const orders: OrderView[] = [];
  const queue = [...previewIds];
  // A few requests at a time: enough to be quick, few enough not to crowd out the user's other requests.
  const workers = Array.from({ length: Math.min(4, queue.length) }, async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) orders.push(await apiGet<OrderView>(`/api/orders/${id}`));
  });
  await Promise.all(workers);
  return orders.sort((a, b) => Number(a.id) - Number(b.id));
}
