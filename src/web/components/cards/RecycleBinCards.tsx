import { Button, Tag, Typography } from 'antd';
import type { Key, ReactNode } from 'react';
import type { RecycleBinItem } from '../../../contracts/deletion.js';
import { useT } from '../../i18n/locale.js';
import { useCustomerName } from '../customer-name.js';
import { DateTime } from '../DateTime.js';
import { LegalHoldBadge } from '../governance/LegalHoldBadge.js';
import { Money } from '../Money.js';
import { StatusTag } from '../StatusTag.js';
import { CardList } from './CardList.js';

interface RecycleBinCardsProps {
  items: RecycleBinItem[];
  loading: boolean;
  empty: ReactNode;
  /** Absent for readers who may do nothing with a selection, as on the table. */
  selection?: { selectedKeys: Key[]; onChange(keys: Key[], items: RecycleBinItem[]): void };
  /** The purge countdown (or "stopped" under legal hold), drawn by the page as in its table. */
  purge(item: RecycleBinItem): ReactNode;
  onBatch(batchId: string): void;
}

/** The recycle bin on a phone: one card per deleted order with who, why, its batch and when it is purged. */
export function RecycleBinCards({ items, loading, empty, selection, purge, onBatch }: RecycleBinCardsProps) {
  const t = useT();
  const customerName = useCustomerName();
  const b = t.deletion.bin;
  return (
    <CardList<RecycleBinItem>
      testId="recycle-bin-cards"
      items={items}
      rowKey={(o) => o.id}
      loading={loading}
      empty={empty}
      selection={selection}
      render={(o) => ({
        titleText: o.number,
        title: (
          <>
            <span className="order-number">{o.number}</span>
            <LegalHoldBadge hold={o.legalHold} />
          </>
        ),
        extra: <StatusTag status={o.status} />,
        fields: [
          { key: 'customer', label: b.customer, value: customerName(o.customer), wide: true },
          { key: 'total', label: b.total, value: <Money value={o.total} strong /> },
          { key: 'purge', label: b.purge, value: purge(o) },
          {
            key: 'deleted',
            label: b.deletedAt,
            value: (
              <>
                <DateTime value={o.deletedAt} />
                <br />
                <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid="deleted-by">
                  {b.byUser(o.deletedBy?.name ?? b.unknownUser)}
                </Typography.Text>
              </>
            ),
          },
          {
            key: 'batch',
            label: b.batch,
            value: (
              <Button type="link" size="small" style={{ paddingInline: 0, height: 'auto' }} className="order-number" onClick={() => onBatch(o.batchId)} data-testid="batch-link">
                {o.batchId.slice(0, 8)}
              </Button>
            ),
          },
          {
            key: 'reason',
            label: b.reason,
            wide: true,
            value: (
              <span data-reason={o.reason.code}>
                <Tag style={{ marginInlineEnd: 8 }}>{t.deletion.reasons[o.reason.code]}</Tag>
                {o.reason.note && <Typography.Text type="secondary">{o.reason.note}</Typography.Text>}
              </span>
            ),
          },
        ],
      })}
    />
  );
}
