import type { CustomerBalanceList, FinanceSummary, LedgerEntryView, RevenueMonth } from '../../contracts/finance.js';
import { apiGet, type QueryValue } from './http.js';

/** Company-wide money reports (GET /api/finance/*); one order's ledger lives in finance.ts. */
export const financeKeys = {
  all: ['finance'] as const,
  summary: ['finance', 'summary'] as const,
  revenue: (months: number) => ['finance', 'revenue', months] as const,
  customers: (query: Record<string, QueryValue>) => ['finance', 'customers', query] as const,
  statement: (customerId: string) => ['finance', 'statement', customerId] as const,
};

/** The most entries the ledger returns at once; a longer statement says it shows the first ones only. */
export const STATEMENT_LIMIT = 500;

export const fetchFinanceSummary = () => apiGet<FinanceSummary>('/api/finance/summary');
export const fetchRevenue = (months: number) => apiGet<RevenueMonth[]>('/api/finance/revenue', { months });
export const fetchCustomerBalances = (query: Record<string, QueryValue>) => apiGet<CustomerBalanceList>('/api/finance/customers', query);
export const fetchCustomerStatement = (customerId: string) => apiGet<{ items: LedgerEntryView[] }>('/api/finance/ledger', { customerId, limit: STATEMENT_LIMIT });
