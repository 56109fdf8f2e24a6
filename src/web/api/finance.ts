import type { LedgerEntryView } from '../../contracts/finance.js';
import { apiGet } from './http.js';

export type LedgerEntry = LedgerEntryView;

export const fetchOrderLedger = (orderId: string) => apiGet<{ items: LedgerEntryView[] }>('/api/finance/ledger', { orderId });
