import { Flex, Tag, Typography, type TableColumnType } from 'antd';
import { DateTime } from '../DateTime.js';

/**
 * The columns that restore requests and purge requests share: both are four-eyes queues of orders, so an
 * approver reading one reads the other the same way.
 */
interface QueuedRequest<S extends string> {
  id: string;
  status: S;
  orders: ReadonlyArray<{ id: string; number: string }>;
  requestedBy: { name: string };
}

export function requestIdColumn<R extends QueuedRequest<string>>(title: string, width = 90): TableColumnType<R> {
  return { key: 'id', title, dataIndex: 'id', width, render: (id: string) => <span className="num">#{id}</span> };
}

export function requestStatusColumn<S extends string, R extends QueuedRequest<S>>(title: string, labels: Record<S, string>, colours: Record<S, string>): TableColumnType<R> {
  return {
    key: 'status',
    title,
    dataIndex: 'status',
    width: 110,
    render: (s: S) => (
      <Tag color={colours[s]} data-request-status={s}>
        {labels[s]}
      </Tag>
    ),
  };
}

/** Order numbers, the first `shown` of them and "+N more" when a request holds many. */
export function requestOrdersColumn<R extends QueuedRequest<string>>(title: string, options: { width?: number; shown?: number; more?: (n: number) => string } = {}): TableColumnType<R> {
  const shown = options.shown ?? Number.POSITIVE_INFINITY;
  return {
    key: 'orders',
    title,
    width: options.width,
    render: (_, request) => (
      <Flex gap={6} wrap>
        {request.orders.slice(0, shown).map((o) => (
          <span key={o.id} className="order-number">
            {o.number}
          </span>
        ))}
        {request.orders.length > shown && options.more && <Typography.Text type="secondary">{options.more(request.orders.length - shown)}</Typography.Text>}
      </Flex>
    ),
  };
}

/** Who asked and when. */
export function requestedByColumn<R extends QueuedRequest<string>>(title: string, at: (request: R) => string, width = 180): TableColumnType<R> {
  return {
    key: 'requested',
    title,
    width,
    render: (_, request) => (
      <Flex vertical>
        <span>{request.requestedBy.name}</span>
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          <DateTime value={at(request)} />
        </Typography.Text>
      </Flex>
    ),
  };
}
