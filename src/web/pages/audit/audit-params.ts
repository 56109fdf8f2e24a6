import type { AuditFilterValues } from '../../api/audit.js';
import type { QueryValue } from '../../api/http.js';

/**
 * The audit page keeps its filters and the cursors that led to the current page in the URL, so a link
 * (the order page's "Open in audit log") or a reload shows the same entries.
 */

export const AUDIT_PAGE_SIZES = [20, 50, 100] as const;
const DEFAULT_LIMIT = 20;
const FILTER_KEYS = ['actorId', 'action', 'entityType', 'entityId', 'from', 'to', 'q'] as const;

export interface AuditListState {
  filters: AuditFilterValues;
  limit: number;
  cursors: string[];
}

export function readAuditState(params: URLSearchParams): AuditListState {
  const filters: AuditFilterValues = {};
  for (const key of FILTER_KEYS) {
    const value = params.get(key)?.trim();
    if (value) filters[key] = value;
  }
  const limit = Number(params.get('limit'));
  return {
    filters,
    limit: (AUDIT_PAGE_SIZES as readonly number[]).includes(limit) ? limit : DEFAULT_LIMIT,
    cursors: (params.get('after') ?? '').split(',').filter(Boolean),
  };
}

export function writeAuditState(state: AuditListState): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const value = state.filters[key];
    if (value) params.set(key, value);
  }
  if (state.limit !== DEFAULT_LIMIT) params.set('limit', String(state.limit));
  if (state.cursors.length) params.set('after', state.cursors.join(','));
  return params;
}

export function toAuditQuery(state: AuditListState): Record<string, QueryValue> {
  return { ...state.filters, limit: state.limit, cursor: state.cursors[state.cursors.length - 1] };
}

export const hasAuditFilters = (filters: AuditFilterValues) => FILTER_KEYS.some((k) => Boolean(filters[k]));
