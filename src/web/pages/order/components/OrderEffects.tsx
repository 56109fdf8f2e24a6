import { useQuery } from '@tanstack/react-query';
import { Card, Empty, Table, Tabs, Tag, Typography, type TableColumnsType } from 'antd';
import type { OrderView } from '../../../../contracts/orders.js';
import { fetchOrderLedger, type LedgerEntry } from '../../../api/finance.js';
import { fetchMovements } from '../../../api/inventory.js';
import { orderKeys } from '../../../api/orders.js';
import { DateTime } from '../../../components/DateTime.js';
import { Money } from '../../../components/Money.js';
import { MovementsTable } from '../../../components/MovementsTable.js';
import { useT } from '../../../i18n/locale.js';

const LEDGER_COLOURS: Record<LedgerEntry['kind'], string> = { receivable: 'blue', payment: 'green', refund: 'orange', reversal: 'red' };

/** What the order did to the warehouse and to the books: both journals, filtered to this order. */
export function OrderEffects({ order }: { order: OrderView }) {
  const t = useT();
  // The order's version is in the key: every change to the order refreshes its effects.
  const movements = useQuery({ queryKey: [...orderKeys.movements(order.id), order.version], queryFn: () => fetchMovements({ orderId: order.id }) });
  const ledger = useQuery({ queryKey: [...orderKeys.ledger(order.id), order.version], queryFn: () => fetchOrderLedger(order.id) });

  const ledgerColumns: TableColumnsType<LedgerEntry> = [
    { key: 'when', title: t.ledger.when, dataIndex: 'createdAt', width: 150, render: (v: string) => <DateTime value={v} /> },
    { key: 'kind', title: t.ledger.kind, dataIndex: 'kind', width: 120, render: (k: LedgerEntry['kind']) => <Tag color={LEDGER_COLOURS[k]}>{t.ledgerKinds[k]}</Tag> },
    { key: 'amount', title: t.ledger.amount, dataIndex: 'amount', align: 'right', width: 140, render: (v: string) => <Money value={v} /> },
    {
      key: 'note',
      title: t.ledger.note,
      render: (_, e) => (
        <Typography.Text type="secondary" ellipsis={{ tooltip: e.note }}>
          {[e.note, e.reversesId ? t.ledger.reverses(e.reversesId) : null].filter(Boolean).join(' · ') || '—'}
        </Typography.Text>
      ),
    },
    { key: 'actor', title: t.ledger.actor, dataIndex: 'actor', width: 110, render: (a: string | null) => a ?? <span className="muted">—</span> },
  ];

  const movementCount = movements.data?.items.length;
  const ledgerCount = ledger.data?.items.length;
  return (
    <Card variant="borderless" title={t.order.effects} data-testid="order-effects">
      <Tabs
        items={[
          {
            key: 'stock',
            label: `${t.order.stockMovements}${movementCount ? ` (${movementCount})` : ''}`,
            children: <MovementsTable items={movements.data?.items ?? []} loading={movements.isPending} show="product" emptyText={t.order.noMovements} />,
          },
          {
            key: 'ledger',
            label: `${t.order.ledger}${ledgerCount ? ` (${ledgerCount})` : ''}`,
            children: (
              <Table<LedgerEntry>
                rowKey="id"
                size="small"
                columns={ledgerColumns}
                dataSource={ledger.data?.items ?? []}
                loading={ledger.isPending}
                pagination={false}
                scroll={{ x: 640 }}
                locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t.order.noLedger} /> }}
              />
            ),
          },
        ]}
      />
    </Card>
  );
}
