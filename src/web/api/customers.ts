import type { CreateCustomerInput, CustomerView } from '../../contracts/customers.js';
import { apiGet, apiPost } from './http.js';

export const CUSTOMER_PAGE_LIMIT = 200;

export const customerKeys = {
  all: ['customers'] as const,
  search: (q: string, limit: number) => ['customers', 'search', q, limit] as const,
};

export const searchCustomers = (q: string, limit = 20) => apiGet<{ items: CustomerView[] }>('/api/customers', { q, limit });
export const fetchCustomer = (id: string) => apiGet<CustomerView>(`/api/customers/${id}`);
export const createCustomer = (input: CreateCustomerInput) => apiPost<CustomerView>('/api/customers', input);
