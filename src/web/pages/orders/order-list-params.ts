import { ORDER_SORTS, ORDER_STATUSES, type OrderSort, type OrderStatus } from '../../../contracts/orders.js';
import type { QueryValue } from '../../api/http.js';

/**
 * The order list keeps everything in the URL query string — filters, sort, page size and the stack of
 * cursors that led to the current page — so a reload or a shared link shows exactly the same list.
 */

export const PAGE_SIZES = [20, 50, 100] as const;
export const DEFAULT_PAGE_SIZE = 20;
export const DEFAULT_SORT: OrderSort = '-createdAt';

export interface OrderFilters {
  q?: string;
  number?: string;
  customer?: string;
  status: OrderStatus[];
  ownerId?: string;
  from?: string;
  to?: string;
  minTotal?: string;
  maxTotal?: string;
}

export interface OrderListState {
  filters: OrderFilters;
  sort: OrderSort;
  limit: number;
  /** Cursors of the pages before and including the current one; empty on the first page. */
  cursors: string[];
}

const TEXT_FILTERS = ['q', 'number', 'customer', 'ownerId', 'from', 'to', 'minTotal', 'maxTotal'] as const;
/** Filters the "more filters" row holds; it opens by itself when one of them is set. */
export const SECONDARY_FILTERS = ['number', 'customer', 'from', 'to', 'minTotal', 'maxTotal'] as const;

export function readListState(params: URLSearchParams): OrderListState {
  const filters: OrderFilters = { status: [] };
  for (const key of TEXT_FILTERS) {
    const value = params.get(key)?.trim();
    if (value) filters[key] = value;
  }
  filters.status = (params.get('status') ?? '')
    .split(',')
    .filter((s): s is OrderStatus => (ORDER_STATUSES as readonly string[]).includes(s));
  const sort = params.get('sort');
  const limit = Number(params.get('limit'));
  return {
    filters,
    sort: (ORDER_SORTS as readonly string[]).includes(sort ?? '') ? (sort as OrderSort) : DEFAULT_SORT,
    limit: (PAGE_SIZES as readonly number[]).includes(limit) ? limit : DEFAULT_PAGE_SIZE,
    cursors: (params.get('after') ?? '').split(',').filter(Boolean),
  };
}

export function writeListState(state: OrderListState): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of TEXT_FILTERS) {
    const value = state.filters[key];
    if (value) params.set(key, value);
  }
  if (state.filters.status.length) params.set('status', state.filters.status.join(','));
  if (state.sort !== DEFAULT_SORT) params.set('sort', state.sort);
  if (state.limit !== DEFAULT_PAGE_SIZE) params.set('limit', String(state.limit));
  if (state.cursors.length) params.set('after', state.cursors.join(','));
  return params;
}

/** The GET /api/orders query for the current page. */
export function toApiQuery(state: OrderListState): Record<string, QueryValue> {
  return {
    ...state.filters,
    status: state.filters.status,
    sort: state.sort,
    limit: state.limit,
    cursor: state.cursors[state.cursors.length - 1],
  };
}

export function hasActiveFilters(filters: OrderFilters): boolean {
  return filters.status.length > 0 || TEXT_FILTERS.some((key) => Boolean(filters[key]));
}

/** Changing what is listed (filters, sort, size) starts again from the first page. */
export function withFilters(state: OrderListState, filters: OrderFilters): OrderListState {
  return { ...state, filters, cursors: [] };
}
