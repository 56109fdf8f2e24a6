import type { CreateOrderInput, OrderList, OrderView, Transition, UpdateOrderInput } from '../../contracts/orders.js';
import { apiGet, apiPatch, apiPost, type QueryValue } from './http.js';

export const orderKeys = {
  all: ['orders'] as const,
  list: (query: Record<string, QueryValue>) => ['orders', 'list', query] as const,
  detail: (id: string) => ['orders', 'detail', id] as const,
  ledger: (id: string) => ['orders', 'ledger', id] as const,
  movements: (id: string) => ['orders', 'movements', id] as const,
};

export const fetchOrders = (query: Record<string, QueryValue>, signal?: AbortSignal) => apiGet<OrderList>('/api/orders', query, signal);
export const fetchOrder = (id: string) => apiGet<OrderView>(`/api/orders/${id}`);
export const createOrder = (input: CreateOrderInput) => apiPost<OrderView>('/api/orders', input);

/** The version is sent as If-Match so a change someone else made in between is a 412, not a lost update. */
export const updateOrder = (id: string, version: number, input: UpdateOrderInput) =>
  apiPatch<OrderView>(`/api/orders/${id}`, input, { 'if-match': String(version) });

export const transitionOrder = (id: string, version: number, transition: Transition) =>
  apiPost<OrderView>(`/api/orders/${id}/${transition}`, {}, { 'if-match': String(version) });

export const recordPayment = (id: string, input: { amount: string; note?: string }) => apiPost<OrderView>(`/api/orders/${id}/payments`, input);
