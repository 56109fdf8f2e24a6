import { LockOutlined, PlusOutlined } from '@ant-design/icons';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Button, Checkbox, Flex, Tag, Tooltip, Typography, type TableColumnsType } from 'antd';
import { Link } from 'react-router';
import { useState } from 'react';
import type { CustomerView } from '../../../contracts/customers.js';
import { CUSTOMER_PAGE_LIMIT, customerKeys, searchCustomers } from '../../api/customers.js';
import { Guard } from '../../auth/permissions.js';
import { DateTime } from '../../components/DateTime.js';
import { CustomerCards } from '../../components/cards/CustomerCards.js';
import { PageHeader } from '../../components/PageHeader.js';
import { SearchableList } from '../../components/SearchableList.js';
import { useSearchInUrl } from '../../components/use-search-in-url.js';
import { useTableLayout } from '../../components/table/use-table-layout.js';
import { useT } from '../../i18n/locale.js';
import { useCustomerName } from '../../components/customer-name.js';
import { CreateCustomerModal } from './components/CreateCustomerModal.js';

export default function CustomersPage() {
  const t = useT();
  const customerName = useCustomerName();
  const { text, setText, q } = useSearchInUrl();
  const [creating, setCreating] = useState(false);
  const [includeInactive, setIncludeInactive] = useState(false);

  const customers = useQuery({
    queryKey: customerKeys.search(q, CUSTOMER_PAGE_LIMIT, includeInactive),
    queryFn: () => searchCustomers(q, CUSTOMER_PAGE_LIMIT, includeInactive),
    placeholderData: keepPreviousData,
  });

  const columns: TableColumnsType<CustomerView> = [
    {
      key: 'name',
      title: t.customers.name,
      dataIndex: 'name',
      render: (name: string, c: CustomerView) => (
        <Flex gap={8} align="center" wrap>
          <Link to={`/customers/${c.id}`} data-testid="customer-link">
            <Typography.Text strong>{customerName(c)}</Typography.Text>
          </Link>
          {!c.active && <Tag>{c.mergedIntoId ? t.crm.customer.mergedInto : t.crm.customer.inactive}</Tag>}
        </Flex>
      ),
    },
    {
      key: 'phone',
      title: t.customers.phone,
      dataIndex: 'phone',
      width: 200,
      // A name-only directory entry says so, rather than look like a customer without a phone number.
      render: (v: string | null, c: CustomerView) =>
        c.contactHidden ? (
          <Tooltip title={t.customers.contactHiddenHelp}>
            <span className="muted nowrap" data-testid="contact-hidden">
              <LockOutlined /> {t.customers.contactHidden}
            </span>
          </Tooltip>
        ) : v ? (
          <span className="num nowrap">{v}</span>
        ) : (
          <span className="muted">—</span>
        ),
    },
    { key: 'email', title: t.customers.email, dataIndex: 'email', width: 260, render: (v: string | null) => v ?? <span className="muted">—</span> },
    {
      key: 'note',
      title: t.customers.note,
      dataIndex: 'note',
      render: (v: string | null) => (v ? <Typography.Text type="secondary" ellipsis={{ tooltip: v }} style={{ maxWidth: 240 }}>{v}</Typography.Text> : <span className="muted">—</span>),
    },
    { key: 'createdAt', title: t.common.createdAt, dataIndex: 'createdAt', width: 170, render: (v: string) => <DateTime value={v} /> },
  ];

  const layout = useTableLayout('customers', columns);

  return (
    <div className="section-gap">
      <PageHeader
        title={t.customers.title}
        subtitle={t.customers.subtitle}
        extra={
          <>
          <Checkbox checked={includeInactive} onChange={(e) => setIncludeInactive(e.target.checked)} data-testid="include-inactive">
            {t.crm.customer.showInactive}
          </Checkbox>
          <Guard permission="orders.create" whenMissing="hide">
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="new-customer">
              {t.customers.newCustomer}
            </Button>
          </Guard>
          </>
        }
      />
      <SearchableList<CustomerView>
        search={{ text, setText }}
        placeholder={t.customers.searchPlaceholder}
        searchTestId="customer-search"
        query={customers}
        limit={CUSTOMER_PAGE_LIMIT}
        columns={columns}
        layout={layout}
        emptyText={t.customers.empty}
        renderCards={(items, empty) => <CustomerCards customers={items} loading={customers.isFetching} empty={empty} />}
      />
      <CreateCustomerModal open={creating} onClose={() => setCreating(false)} />
    </div>
  );
}
