import { LockOutlined } from '@ant-design/icons';
import { Tag } from 'antd';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import type { CustomerView } from '../../../contracts/customers.js';
import { useT } from '../../i18n/locale.js';
import { DateTime } from '../DateTime.js';
import { CardList } from './CardList.js';

/** The customer list on a phone: one card per customer, paged 20 at a time like the table. */
export function CustomerCards({ customers, loading, empty }: { customers: CustomerView[]; loading: boolean; empty: ReactNode }) {
  const t = useT();
  const none = <span className="muted">—</span>;
  return (
    <CardList<CustomerView>
      testId="customer-cards"
      items={customers}
      rowKey={(c) => c.id}
      loading={loading}
      empty={empty}
      pageSize={20}
      render={(c) => ({
        titleText: c.name,
        title: (
          <Link to={`/customers/${c.id}`} data-testid="customer-link">
            {c.name}
          </Link>
        ),
        extra: !c.active && <Tag>{c.mergedIntoId ? t.crm.customer.mergedInto : t.crm.customer.inactive}</Tag>,
        fields: [
          {
            key: 'phone',
            label: t.customers.phone,
            // A name-only directory entry says so, rather than look like a customer without a phone number.
            value: c.contactHidden ? (
              <span className="muted" data-testid="contact-hidden">
                <LockOutlined /> {t.customers.contactHidden}
              </span>
            ) : c.phone ? (
              <span className="num">{c.phone}</span>
            ) : (
              none
            ),
          },
          { key: 'createdAt', label: t.common.createdAt, value: <DateTime value={c.createdAt} /> },
          { key: 'email', label: t.customers.email, value: c.email ?? none, wide: true },
          ...(c.note ? [{ key: 'note', label: t.customers.note, value: c.note, wide: true }] : []),
        ],
      })}
    />
  );
}
