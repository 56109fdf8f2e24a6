import { DELETE_REASON_CODES, type DeleteReasonCode } from '../../../contracts/deletion.js';
import type { QueryValue } from '../../api/http.js';
import { DEFAULT_PAGE_SIZE, PAGE_SIZES } from '../orders/order-list-params.js';

/** The recycle bin keeps its search, filters, page size and cursor stack in the URL, like the order list. */
export interface RecycleBinState {
  q?: string;
  reason?: DeleteReasonCode;
  batchId?: string;
  limit: number;
  cursors: string[];
}

export function readBinState(params: URLSearchParams): RecycleBinState {
  const reason = params.get('reason') ?? '';
  const limit = Number(params.get('limit'));
  return {
    q: params.get('q')?.trim() || undefined,
    reason: (DELETE_REASON_CODES as readonly string[]).includes(reason) ? (reason as DeleteReasonCode) : undefined,
    batchId: params.get('batchId')?.trim() || undefined,
    limit: (PAGE_SIZES as readonly number[]).includes(limit) ? limit : DEFAULT_PAGE_SIZE,
    cursors: (params.get('after') ?? '').split(',').filter(Boolean),
  };
}

export function writeBinState(state: RecycleBinState): URLSearchParams {
  const params = new URLSearchParams();
  if (state.q) params.set('q', state.q);
  if (state.reason) params.set('reason', state.reason);
  if (state.batchId) params.set('batchId', state.batchId);
  if (state.limit !== DEFAULT_PAGE_SIZE) params.set('limit', String(state.limit));
  if (state.cursors.length) params.set('after', state.cursors.join(','));
  return params;
}

export function toBinQuery(state: RecycleBinState): Record<string, QueryValue> {
  return { q: state.q, reason: state.reason, batchId: state.batchId, limit: state.limit, cursor: state.cursors[state.cursors.length - 1] };
}
