import type { OrderStatusCounts } from '../../contracts/orders.js';
import type { TableId, TableSettings } from '../../contracts/table-settings.js';
import { apiGet, apiPut, type QueryValue } from './http.js';

export const tableSettingsKey = (table: TableId) => ['table-settings', table] as const;
export const fetchTableSettings = (table: TableId) => apiGet<TableSettings>(`/api/me/table-settings/${table}`);
export const saveTableSettings = (table: TableId, settings: TableSettings) => apiPut<TableSettings>(`/api/me/table-settings/${table}`, settings);

/** Under the orders key, so whatever refreshes the order list (a deletion, a restore) refreshes the tabs too. */
export const statusCountsKey = (filters: Record<string, QueryValue>) => ['orders', 'status-counts', filters] as const;
export const fetchStatusCounts = (filters: Record<string, QueryValue>, signal?: AbortSignal) => apiGet<OrderStatusCounts>('/api/orders/status-counts', filters, signal);
