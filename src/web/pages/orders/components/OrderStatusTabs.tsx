import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Tabs } from 'antd';
import { ORDER_STATUSES, type OrderStatus, type OrderStatusCounts } from '../../../../contracts/orders.js';
import { fetchStatusCounts, statusCountsKey } from '../../../api/table-settings.js';
import { useT } from '../../../i18n/locale.js';
import type { OrderFilters } from '../order-list-params.js';

const ALL = 'all';

/** The counts behind the tabs and the list's total: one grouped query for the list's filters and the caller's scope. */
export function useStatusCounts(filters: OrderFilters) {
  const query = { ...filters, status: filters.status };
  return useQuery({ queryKey: statusCountsKey(query), queryFn: ({ signal }) => fetchStatusCounts(query, signal), placeholderData: keepPreviousData });
}

interface OrderStatusTabsProps {
  filters: OrderFilters;
  counts: OrderStatusCounts | undefined;
  onStatus(status: OrderStatus[]): void;
}

/**
 * 全部 / 草稿 / 已确认 / …: one tab per status with how many orders it holds under the other filters. Choosing
 * a tab sets the status filter; several statuses chosen in the filter bar leave no tab selected.
 */
export function OrderStatusTabs({ filters, counts, onStatus }: OrderStatusTabsProps) {
  const t = useT();
  const active = filters.status.length === 0 ? ALL : filters.status.length === 1 ? filters.status[0] : '';
  const total = counts ? ORDER_STATUSES.reduce((sum, s) => sum + counts.counts[s], 0) : undefined;
  const label = (text: string, n: number | undefined) => (
    <span>
      {text}
      <span className="num status-tab-count" style={{ marginInlineStart: 6 }}>
        {n === undefined ? '' : n.toLocaleString()}
      </span>
    </span>
  );
  return (
    <Tabs
      data-testid="status-tabs"
      aria-label={t.tables.statusTabs}
      activeKey={active}
      onChange={(key) => onStatus(key === ALL ? [] : [key as OrderStatus])}
      style={{ paddingInline: 16, marginBottom: 0 }}
      items={[
        { key: ALL, label: label(t.tables.allStatuses, total) },
        ...ORDER_STATUSES.map((s) => ({ key: s, label: label(t.status[s], counts?.counts[s]) })),
      ]}
    />
  );
}
