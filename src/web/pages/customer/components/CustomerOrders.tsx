import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Card, Flex, Table, type TableColumnsType } from 'antd';
import { useMemo } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { OrderSummaryView } from '../../../../contracts/orders.js';
import { customerKeys, fetchCustomerOrders } from '../../../api/customers.js';
import { DateTime } from '../../../components/DateTime.js';
import { useCardLayout } from '../../../components/cards/CardList.js';
import { OrderCards } from '../../../components/cards/OrderCards.js';
import { LoadFailed } from '../../../components/LoadFailed.js';
import { Money } from '../../../components/Money.js';
import { StatusTag } from '../../../components/StatusTag.js';
import { useT } from '../../../i18n/locale.js';
import { CursorPager, urlStatePager } from '../../orders/components/CursorPager.js';
import { OrderFilterBar } from '../../orders/components/OrderFilterBar.js';
import { readListState, toApiQuery, withFilters, writeListState, type OrderListState } from '../../orders/order-list-params.js';
import { useOwnerOptions } from '../../orders/use-owner-options.js';

/** The customer's orders with the order list's own filter bar, paging and URL state. */
export function CustomerOrders({ customerId }: { customerId: string }) {
  const t = useT();
  const [params, setParams] = useSearchParams();
  const state = useMemo(() => readListState(params), [params]);
  const ownerOptions = useOwnerOptions();
  const cards = useCardLayout();
  const go = (next: OrderListState) => setParams(writeListState(next), { replace: true });
  const { customer: _ignored, ...query } = toApiQuery(state);
  const orders = useQuery({
    queryKey: customerKeys.orders(customerId, query),
    queryFn: ({ signal }) => fetchCustomerOrders(customerId, query, signal),
    placeholderData: keepPreviousData,
  });

  const columns: TableColumnsType<OrderSummaryView> = [
    { key: 'number', title: t.orders.number, dataIndex: 'number', width: 170, render: (number: string, o) => <Link to={`/orders/${o.id}`} className="order-number">{number}</Link> },
    { key: 'status', title: t.orders.status, width: 120, render: (_, o) => <StatusTag status={o.status} /> },
    { key: 'owner', title: t.orders.owner, width: 160, render: (_, o) => o.ownerName ?? <span className="muted">#{o.ownerId}</span> },
    { key: 'total', title: t.orders.total, dataIndex: 'total', align: 'right', width: 150, render: (v: string) => <Money value={v} strong /> },
    { key: 'createdAt', title: t.orders.created, dataIndex: 'createdAt', width: 170, render: (v: string) => <DateTime value={v} /> },
  ];

  return (
    <div className="section-gap">
      <OrderFilterBar filters={state.filters} ownerOptions={ownerOptions} onApply={(filters) => go(withFilters(state, filters))} />
      <Card variant="borderless" styles={{ body: { padding: 0 } }}>
        {orders.isError && !orders.data ? (
          <LoadFailed error={orders.error} onRetry={() => orders.refetch()} />
        ) : cards ? (
          <div style={{ paddingTop: 12 }}>
            <OrderCards testId="customer-order-cards" orders={orders.data?.items ?? []} loading={orders.isFetching} empty={t.crm.customer.noOrders} />
          </div>
        ) : (
          <Table<OrderSummaryView>
            data-testid="customer-orders"
            rowKey="id"
            size="middle"
            columns={columns}
            dataSource={orders.data?.items ?? []}
            loading={orders.isFetching}
            pagination={false}
            scroll={{ x: 760 }}
            locale={{ emptyText: t.crm.customer.noOrders }}
          />
        )}
        <Flex justify="flex-end" style={{ padding: '12px 16px' }}>
          <CursorPager {...urlStatePager(state, go, orders.data?.nextCursor ?? null)} loading={orders.isFetching} />
        </Flex>
      </Card>
    </div>
  );
}
