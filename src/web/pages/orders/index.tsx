import { PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Button, Card, Empty, Flex, Table, Tooltip, Typography, type TableColumnsType, type TableProps } from 'antd';
import type { SortOrder } from 'antd/es/table/interface.js';
import { useEffect, useMemo, useState, type Key } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import type { OrderSort, OrderSummaryView } from '../../../contracts/orders.js';
import { fetchOrders, orderKeys } from '../../api/orders.js';
import { Guard } from '../../auth/permissions.js';
import { DateTime } from '../../components/DateTime.js';
import { useCardLayout } from '../../components/cards/CardList.js';
import { OrderCards } from '../../components/cards/OrderCards.js';
import { LoadFailed } from '../../components/LoadFailed.js';
import { Money } from '../../components/Money.js';
import { LegalHoldBadge } from '../../components/governance/LegalHoldBadge.js';
import { PageHeader } from '../../components/PageHeader.js';
import { StatusTag } from '../../components/StatusTag.js';
import { useT } from '../../i18n/locale.js';
import { useCustomerName } from '../../components/customer-name.js';
import { CursorPager, urlStatePager } from './components/CursorPager.js';
import { DeleteSelectionButton } from './components/DeleteSelectionButton.js';
import { ExportMenu } from './components/ExportMenu.js';
import { OrderFilterBar } from './components/OrderFilterBar.js';
import { SelectAllMatching, type MatchingSelection } from './components/SelectAllMatching.js';
import { hasActiveFilters, readListState, toApiQuery, withFilters, writeListState, type OrderFilters, type OrderListState } from './order-list-params.js';
import { useOwnerOptions } from './use-owner-options.js';
import { RiskHelp } from '../../components/guidance/RiskHelp.js';
import { SavedViews } from '../../components/saved-views/SavedViews.js';
import { ListFooter } from '../../components/table/ListFooter.js';
import { TableLayoutControls } from '../../components/table/TableLayoutControls.js';
import { useTableLayout } from '../../components/table/use-table-layout.js';
import { OrderStatusTabs, useStatusCounts } from './components/OrderStatusTabs.js';

type SortField = 'createdAt' | 'total' | 'number';

function sortOrderOf(sort: OrderSort, field: SortField): SortOrder {
  if (sort === field) return 'ascend';
  if (sort === `-${field}`) return 'descend';
  return null;
}

/** Clicks on the checkbox column or on a link inside the row must not also open the order. */
function isInteractiveTarget(target: EventTarget | null): boolean {
  return target instanceof Element && Boolean(target.closest('.ant-table-selection-column, a, button, label, input'));
}

export default function OrdersPage() {
  const t = useT();
  const customerName = useCustomerName();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const state = useMemo(() => readListState(params), [params]);
  const ownerOptions = useOwnerOptions();
  const [selectedKeys, setSelectedKeys] = useState<Key[]>([]);
  const cards = useCardLayout();

  const apiQuery = toApiQuery(state);
  const orders = useQuery({
    queryKey: orderKeys.list(apiQuery),
    queryFn: ({ signal }) => fetchOrders(apiQuery, signal),
    placeholderData: keepPreviousData,
  });

  // A selection belongs to one filter: a new filter starts a new selection.
  const filterKey = JSON.stringify(state.filters);
  useEffect(() => setSelectedKeys([]), [filterKey]);
  // "All N matching" holds only while the ticked rows stay as they were when it was chosen.
  const [matching, setMatching] = useState<MatchingSelection | null>(null);
  useEffect(() => setMatching(null), [selectedKeys]);

  const go = (next: OrderListState) => setParams(writeListState(next));
  const applyFilters = (filters: OrderFilters) => go(withFilters(state, filters));

  const onTableChange: TableProps<OrderSummaryView>['onChange'] = (_pagination, _filters, sorter) => {
    const s = Array.isArray(sorter) ? sorter[0] : sorter;
    const field = s?.columnKey as SortField | undefined;
    const sort: OrderSort = field && s.order ? (s.order === 'ascend' ? field : `-${field}`) : '-createdAt';
    if (sort !== state.sort) go({ ...state, sort, cursors: [] });
  };

  const columns: TableColumnsType<OrderSummaryView> = [
    {
      key: 'number',
      title: t.orders.number,
      dataIndex: 'number',
      sorter: true,
      sortOrder: sortOrderOf(state.sort, 'number'),
      width: 170,
      render: (number: string, order) => (
        <>
          <Link to={`/orders/${order.id}`} className="order-number">
            {number}
          </Link>
          <LegalHoldBadge hold={order.legalHold} />
        </>
      ),
    },
    {
      key: 'customer',
      title: t.orders.customer,
      render: (_, order) => (
        <Typography.Text ellipsis={{ tooltip: customerName(order.customer) }} style={{ maxWidth: 280 }}>
          {customerName(order.customer)}
        </Typography.Text>
      ),
    },
    { key: 'status', title: t.orders.status, dataIndex: 'status', width: 120, render: (_, row) => <StatusTag status={row.status} /> },
    { key: 'owner', title: t.orders.owner, width: 160, render: (_, order) => order.ownerName ?? <span className="muted">#{order.ownerId}</span> },
    {
      key: 'total',
      title: t.orders.total,
      dataIndex: 'total',
      align: 'right',
      sorter: true,
      sortOrder: sortOrderOf(state.sort, 'total'),
      width: 150,
      render: (total: string) => <Money value={total} strong />,
    },
    {
      key: 'createdAt',
      title: t.orders.created,
      dataIndex: 'createdAt',
      sorter: true,
      sortOrder: sortOrderOf(state.sort, 'createdAt'),
      width: 170,
      render: (createdAt: string) => <DateTime value={createdAt} />,
    },
  ];

  const layout = useTableLayout('orders', columns);
  const statusCounts = useStatusCounts(state.filters);

  const filtered = hasActiveFilters(state.filters);
  const emptyState = (
    <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={filtered ? t.orders.empty : t.orders.emptyNoFilters}>
      {filtered ? (
        <Button onClick={() => applyFilters({ status: [] })}>{t.orders.clearFilters}</Button>
      ) : (
        <Guard permission="orders.create" whenMissing="hide">
          <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate('/orders/new')}>
            {t.orders.newOrder}
          </Button>
        </Guard>
      )}
    </Empty>
  );

  const page = state.cursors.length + 1;
  const nextCursor = orders.data?.nextCursor ?? null;
  const pageRows = orders.data?.items ?? [];

  return (
    <div className="section-gap">
      <PageHeader
        title={t.orders.title}
        subtitle={t.orders.subtitle}
        extra={
          <Guard permission="orders.create" whenMissing="hide">
            <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate('/orders/new')} data-testid="new-order">
              {t.orders.newOrder}
            </Button>
          </Guard>
        }
      />
      <div data-tour="orders-filters">
        <OrderFilterBar filters={state.filters} ownerOptions={ownerOptions} onApply={applyFilters} extra={<SavedViews />} />
      </div>
      <Card variant="borderless" styles={{ body: { padding: 0 } }}>
        <OrderStatusTabs filters={state.filters} counts={statusCounts.data} onStatus={(status) => applyFilters({ ...state.filters, status })} />
        <Flex justify="space-between" align="center" gap={12} wrap style={{ padding: '12px 16px' }}>
          <Flex align="center" gap={12} data-testid="selection-summary" data-tour="orders-actions">
            {selectedKeys.length > 0 ? (
              <>
                <Tooltip title={t.orders.selectionHint}>
                  <Typography.Text strong>{t.common.selectedCount(selectedKeys.length)}</Typography.Text>
                </Tooltip>
                <Button size="small" type="link" onClick={() => setSelectedKeys([])} style={{ paddingInline: 0 }}>
                  {t.common.clearSelection}
                </Button>
                <DeleteSelectionButton
                  selectedIds={selectedKeys.map(String)}
                  matching={matching}
                  onDeleted={() => setSelectedKeys([])}
                  onDeselect={(ids) => setSelectedKeys((keys) => keys.filter((k) => !ids.includes(String(k))))}
                />
                <RiskHelp action="delete" />
              </>
            ) : (
              <Typography.Text type="secondary">{orders.data ? t.common.matchCount(orders.data.items.length) : '\u00a0'}</Typography.Text>
            )}
          </Flex>
          <Flex align="center" gap={8} wrap>
            <span data-tour="orders-export">
              <ExportMenu filters={state.filters} selectedIds={matching ? [] : selectedKeys.map(String)} />
            </span>
            <Button
              size="small"
              icon={<ReloadOutlined />}
              onClick={() => void Promise.all([orders.refetch(), statusCounts.refetch()])}
              loading={orders.isFetching}
              aria-label={t.common.refresh}
              title={t.common.refresh}
            />
            <TableLayoutControls layout={layout} />
          </Flex>
        </Flex>
        <SelectAllMatching
          filters={state.filters}
          offer={pageRows.length > 0 && pageRows.every((o) => selectedKeys.includes(o.id)) && (nextCursor !== null || page > 1)}
          pageCount={pageRows.length}
          matching={matching}
          onMatching={setMatching}
        />
        {orders.isError && !orders.data ? (
          <LoadFailed error={orders.error} onRetry={() => orders.refetch()} />
        ) : cards ? (
          <OrderCards orders={pageRows} loading={orders.isFetching} empty={orders.isPending ? <div style={{ height: 120 }} /> : emptyState} selection={{ selectedKeys, onSelect: setSelectedKeys }} />
        ) : (
          <Table<OrderSummaryView>
            className="clickable-rows"
            data-testid="orders-table"
            data-tour="orders-table"
            rowKey="id"
            {...layout.tableProps}
            dataSource={orders.data?.items ?? []}
            loading={orders.isFetching}
            pagination={false}
            showSorterTooltip={false}
            onChange={onTableChange}
            scroll={{ x: 900 }}
            locale={{ emptyText: orders.isPending ? <div style={{ height: 120 }} /> : emptyState }}
            rowSelection={{
              selectedRowKeys: selectedKeys,
              onChange: setSelectedKeys,
              preserveSelectedRowKeys: true,
            }}
            onRow={(order) => ({
              onClick: (event) => {
                if (!isInteractiveTarget(event.target)) void navigate(`/orders/${order.id}`);
              },
            })}
          />
        )}
        <ListFooter total={statusCounts.data?.total}>
          <CursorPager {...urlStatePager(state, go, nextCursor)} loading={orders.isFetching} />
        </ListFooter>
      </Card>
    </div>
  );
}
