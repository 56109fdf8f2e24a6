import { Empty, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { Link } from 'react-router';
import type { StockMovement } from '../api/inventory.js';
import { useT } from '../i18n/locale.js';
import { DateTime } from './DateTime.js';
import { useReasonText } from './ReasonText.js';

const KIND_COLOURS: Record<StockMovement['kind'], string> = {
  receive: 'green',
  adjust: 'gold',
  reserve: 'blue',
  release: 'cyan',
  ship: 'purple',
};

function Delta({ value }: { value: number }) {
  if (value === 0) return <span className="muted num">0</span>;
  return <span className={`num${value < 0 ? ' money-negative' : ''}`}>{value > 0 ? `+${value}` : value}</span>;
}

/** The stock journal for one order or one product; `show` picks the column that identifies the other side. */
export function MovementsTable({ items, loading, show, emptyText }: { items: StockMovement[]; loading: boolean; show: 'product' | 'order'; emptyText: string }) {
  const t = useT();
  const reasonText = useReasonText();
  const columns: TableColumnsType<StockMovement> = [
    { key: 'when', title: t.movements.when, dataIndex: 'createdAt', width: 150, render: (v: string) => <DateTime value={v} /> },
    { key: 'kind', title: t.movements.kind, dataIndex: 'kind', width: 110, render: (k: StockMovement['kind']) => <Tag color={KIND_COLOURS[k]}>{t.movementKinds[k]}</Tag> },
    show === 'product'
      ? { key: 'product', title: t.movements.product, dataIndex: 'sku', render: (sku: string) => <span className="order-number">{sku}</span> }
      : {
          key: 'order',
          title: t.movements.order,
          dataIndex: 'orderNumber',
          render: (number: string | null, m) => (number && m.orderId ? <Link to={`/orders/${m.orderId}`} className="order-number">{number}</Link> : <span className="muted">—</span>),
        },
    { key: 'onHand', title: t.movements.onHand, dataIndex: 'onHandDelta', align: 'right', width: 110, render: (v: number) => <Delta value={v} /> },
    { key: 'reserved', title: t.movements.reserved, dataIndex: 'reservedDelta', align: 'right', width: 110, render: (v: number) => <Delta value={v} /> },
    // Running balances come with one product's journal only.
    ...(show === 'order'
      ? [{ key: 'onHandAfter', title: t.movements.onHandAfter, align: 'right' as const, width: 110, render: (_: unknown, m: StockMovement) => <span className="num">{m.balanceAfter?.onHand ?? '—'}</span> }]
      : []),
    {
      key: 'reason',
      title: t.movements.reason,
      dataIndex: 'reason',
      render: (reason: string | null, m) => (
        <Typography.Text type="secondary" ellipsis={{ tooltip: reason && reasonText(reason) }}>
          {reason ? reasonText(reason) : (m.reversesId ? t.ledger.reverses(m.reversesId) : '—')}
        </Typography.Text>
      ),
    },
    { key: 'actor', title: t.movements.actor, dataIndex: 'actor', width: 110, render: (a: string | null) => a ?? <span className="muted">—</span> },
  ];
  return (
    <Table<StockMovement>
      rowKey="id"
      size="small"
      columns={columns}
      dataSource={items}
      loading={loading}
      pagination={items.length > 10 ? { pageSize: 10, size: 'small', showSizeChanger: false } : false}
      locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={emptyText} /> }}
      scroll={{ x: 720 }}
    />
  );
}
