import type { ExportFormat } from '../../contracts/export.js';
import { buildQueryString, type QueryValue } from './http.js';

/**
 * GET /api/orders/export: the selected ids when there are any (the filter is then ignored), else the list
 * filters. Downloaded with progress by use-file-download.
 */
export function orderExportUrl(format: ExportFormat, target: { ids: string[] } | { filters: Record<string, QueryValue> }): string {
  const query: Record<string, QueryValue> = 'ids' in target ? { format, ids: target.ids } : { ...target.filters, format };
  return `/api/orders/export${buildQueryString(query)}`;
}
