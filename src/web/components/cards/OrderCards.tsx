import type { Key, ReactNode } from 'react';
import { Link } from 'react-router';
import type { OrderSummaryView } from '../../../contracts/orders.js';
import { useT } from '../../i18n/locale.js';
import { useCustomerName } from '../customer-name.js';
import { DateTime } from '../DateTime.js';
import { LegalHoldBadge } from '../governance/LegalHoldBadge.js';
import { Money } from '../Money.js';
import { StatusTag } from '../StatusTag.js';
import { CardList } from './CardList.js';

interface OrderCardsProps {
  orders: OrderSummaryView[];
  loading: boolean;
  empty: ReactNode;
  /** Absent where the table has no checkbox column either (a customer's orders). */
  selection?: { selectedKeys: Key[]; onSelect(keys: Key[]): void };
  testId?: string;
}

/** The order list on a phone: one card per order with the table's columns and its checkbox. */
export function OrderCards({ orders, loading, empty, selection, testId = 'order-cards' }: OrderCardsProps) {
  const t = useT();
  const customerName = useCustomerName();
  return (
    <CardList<OrderSummaryView>
      testId={testId}
      items={orders}
      rowKey={(o) => o.id}
      loading={loading}
      empty={empty}
      selection={selection && { selectedKeys: selection.selectedKeys, onChange: (keys) => selection.onSelect(keys) }}
      render={(o) => ({
        titleText: o.number,
        title: (
          <>
            <Link to={`/orders/${o.id}`} className="order-number">
              {o.number}
            </Link>
            <LegalHoldBadge hold={o.legalHold} />
          </>
        ),
        extra: <StatusTag status={o.status} />,
        fields: [
          { key: 'customer', label: t.orders.customer, value: customerName(o.customer), wide: true },
          { key: 'total', label: t.orders.total, value: <Money value={o.total} strong /> },
          { key: 'createdAt', label: t.orders.created, value: <DateTime value={o.createdAt} /> },
          { key: 'owner', label: t.orders.owner, value: o.ownerName ?? <span className="muted">#{o.ownerId}</span>, wide: true },
        ],
      })}
    />
  );
}
