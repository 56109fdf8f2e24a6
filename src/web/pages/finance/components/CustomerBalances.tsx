import { FileTextOutlined } from '@ant-design/icons';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Button, Card, Checkbox, Empty, Flex, Input, Table, type TableColumnsType, type TableProps } from 'antd';
import type { SortOrder } from 'antd/es/table/interface.js';
import { useState } from 'react';
import { toMinor } from '../../../../contracts/common.js';
import type { CustomerBalance } from '../../../../contracts/finance.js';
import { fetchCustomerBalances, financeKeys } from '../../../api/finance-reports.js';
import { LoadFailed } from '../../../components/LoadFailed.js';
import { Money } from '../../../components/Money.js';
import { useDebouncedValue } from '../../../components/use-debounced-value.js';
import { useT } from '../../../i18n/locale.js';
import { useCustomerName } from '../../../components/customer-name.js';
import { CursorPager } from '../../orders/components/CursorPager.js';

type Sort = '-balance' | 'balance' | 'name' | '-name';

const orderOf = (sort: Sort, field: 'balance' | 'name'): SortOrder => (sort === field ? 'ascend' : sort === `-${field}` ? 'descend' : null);

/** Who owes what: per-customer invoiced, paid and balance, largest balance first; a row opens the statement. */
export function CustomerBalances({ onOpen }: { onOpen(customer: { id: string; name: string }): void }) {
  const t = useT();
  const customerName = useCustomerName();
  const f = t.reports.finance;
  const [text, setText] = useState('');
  const q = useDebouncedValue(text.trim(), 300);
  const [openOnly, setOpenOnly] = useState(true);
  const [sort, setSort] = useState<Sort>('-balance');
  const [limit, setLimit] = useState(20);
  const [cursors, setCursors] = useState<string[]>([]);
  const query = { q, openOnly: openOnly ? 'true' : undefined, sort, limit, cursor: cursors[cursors.length - 1] };
  const balances = useQuery({ queryKey: financeKeys.customers(query), queryFn: () => fetchCustomerBalances(query), placeholderData: keepPreviousData });
  const restart = () => setCursors([]);

  const onChange: TableProps<CustomerBalance>['onChange'] = (_p, _f, sorter) => {
    const s = Array.isArray(sorter) ? sorter[0] : sorter;
    const field = s?.columnKey as 'balance' | 'name' | undefined;
    const next: Sort = field && s.order ? (s.order === 'ascend' ? field : `-${field}`) : '-balance';
    setSort(next);
    restart();
  };

  const columns: TableColumnsType<CustomerBalance> = [
    { key: 'name', title: f.customer, sorter: true, sortOrder: orderOf(sort, 'name'), render: (_, b) => customerName(b.customer) },
    { key: 'invoiced', title: f.invoiced, dataIndex: 'invoiced', align: 'right', width: 150, render: (v: string) => <Money value={v} /> },
    { key: 'paid', title: f.paid, dataIndex: 'paid', align: 'right', width: 150, render: (v: string) => <Money value={v} /> },
    {
      key: 'balance',
      title: f.balance,
      dataIndex: 'balance',
      align: 'right',
      width: 160,
      sorter: true,
      sortOrder: orderOf(sort, 'balance'),
      render: (v: string) => (
        <span style={{ color: toMinor(v) > 0 ? 'var(--ant-color-warning-text)' : undefined }}>
          <Money value={v} strong />
        </span>
      ),
    },
    {
      key: 'statement',
      width: 120,
      align: 'right',
      render: (_, b) => (
        <Button size="small" type="link" icon={<FileTextOutlined />} onClick={() => onOpen(b.customer)}>
          {f.statement}
        </Button>
      ),
    },
  ];

  const nextCursor = balances.data?.nextCursor ?? null;
  return (
    <Card variant="borderless" title={f.customers} styles={{ body: { padding: 0 } }} data-testid="customer-balances">
      <Flex justify="space-between" align="center" gap={12} wrap style={{ padding: '12px 16px' }}>
        <Flex align="center" gap={16} wrap>
          <Input.Search
            allowClear
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              restart();
            }}
            placeholder={f.searchPlaceholder}
            style={{ width: 280 }}
            loading={balances.isFetching && q !== ''}
          />
          <Checkbox
            checked={openOnly}
            onChange={(e) => {
              setOpenOnly(e.target.checked);
              restart();
            }}
          >
            {f.openOnly}
          </Checkbox>
        </Flex>
        <CursorPager
          page={cursors.length + 1}
          hasNext={nextCursor !== null}
          limit={limit}
          loading={balances.isFetching}
          onFirst={restart}
          onPrevious={() => setCursors((c) => c.slice(0, -1))}
          onNext={() => nextCursor && setCursors((c) => [...c, nextCursor])}
          onLimitChange={(n) => {
            setLimit(n);
            restart();
          }}
        />
      </Flex>
      {balances.isError && !balances.data ? (
        <LoadFailed error={balances.error} onRetry={() => balances.refetch()} />
      ) : (
        <Table<CustomerBalance>
          className="clickable-rows"
          rowKey={(b) => b.customer.id}
          size="middle"
          columns={columns}
          dataSource={balances.data?.items ?? []}
          loading={balances.isFetching}
          pagination={false}
          showSorterTooltip={false}
          onChange={onChange}
          scroll={{ x: 760 }}
          onRow={(b) => ({ onClick: (e) => !(e.target as Element).closest('button') && onOpen(b.customer) })}
          locale={{ emptyText: balances.isPending ? <div style={{ height: 120 }} /> : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={f.noCustomers} /> }}
        />
      )}
    </Card>
  );
}
