import type { CreateCustomerInput, CustomerStatement, CustomerView, ErasureSummary, MergeResult, UpdateCustomerInput } from '../../contracts/customers.js';
import type { OrderList } from '../../contracts/orders.js';
import { apiGet, apiPatch, apiPost, type QueryValue } from './http.js';

export const CUSTOMER_PAGE_LIMIT = 200;

export const customerKeys = {
  all: ['customers'] as const,
  search: (q: string, limit: number, includeInactive = false) => ['customers', 'search', q, limit, includeInactive] as const,
  one: (id: string) => ['customers', 'one', id] as const,
  orders: (id: string, query: Record<string, QueryValue>) => ['customers', 'orders', id, query] as const,
  statement: (id: string) => ['customers', 'statement', id] as const,
};

export const searchCustomers = (q: string, limit = 20, includeInactive = false) =>
  apiGet<{ items: CustomerView[] }>('/api/customers', { q, limit, includeInactive: includeInactive ? 'true' : undefined });
export const fetchCustomer = (id: string) => apiGet<CustomerView>(`/api/customers/${id}`);
export const createCustomer = (input: CreateCustomerInput) => apiPost<CustomerView>('/api/customers', input);
export const updateCustomer = (id: string, version: number, input: UpdateCustomerInput) => apiPatch<CustomerView>(`/api/customers/${id}`, input, { 'If-Match': `"${version}"` });
export const mergeCustomer = (id: string, intoId: string) => apiPost<MergeResult>(`/api/customers/${id}/merge`, { intoId });
export const eraseCustomer = (id: string, confirm: string) => apiPost<ErasureSummary>(`/api/customers/${id}/erase`, { confirm });
export const fetchCustomerOrders = (id: string, query: Record<string, QueryValue>, signal?: AbortSignal) => apiGet<OrderList>(`/api/customers/${id}/orders`, query, signal);
export const fetchCustomerStatement = (id: string) => apiGet<CustomerStatement>(`/api/customers/${id}/statement`);
