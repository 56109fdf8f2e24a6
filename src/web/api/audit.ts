import type { AuditList, AuditVerifyResult, OrderTimeline } from '../../contracts/audit.js';
import { apiGet, buildQueryString, type QueryValue } from './http.js';

/** The audit page's filters as the URL and GET /api/audit spell them. */
export interface AuditFilterValues {
  actorId?: string;
  action?: string;
  entityType?: string;
  entityId?: string;
  from?: string;
  to?: string;
  q?: string;
}

export const auditKeys = {
  all: ['audit'] as const,
  list: (query: Record<string, QueryValue>) => ['audit', 'list', query] as const,
  verify: ['audit', 'verify'] as const,
  timeline: (orderId: string) => ['audit', 'timeline', orderId] as const,
};

export const searchAudit = (query: Record<string, QueryValue>, signal?: AbortSignal) => apiGet<AuditList>('/api/audit', query, signal);
export const verifyAuditChain = () => apiGet<AuditVerifyResult>('/api/audit/verify');
export const fetchOrderTimeline = (orderId: string, cursor?: string) => apiGet<OrderTimeline>(`/api/orders/${orderId}/timeline`, { cursor });

/** The URL of the CSV export of the entries matching `filter` (downloaded with progress, see download.ts). */
export const auditExportUrl = (filter: AuditFilterValues) => `/api/audit/export${buildQueryString({ ...filter })}`;
