import { Card, Flex, Table, type TableColumnsType } from 'antd';
import { Link } from 'react-router';
import type { CustomerStatement as Statement, StatementEntry } from '../../../../contracts/customers.js';
import { DateTime } from '../../../components/DateTime.js';
import { Money } from '../../../components/Money.js';
import { PrintButtons } from '../../../components/PrintButtons.js';
import { useT } from '../../../i18n/locale.js';

/** Entries in the order they happened, each with the balance after it, as the server computed it. */
export function CustomerStatement({ customerId, statement, loading }: { customerId: string; statement: Statement | undefined; loading: boolean }) {
  const t = useT();
  const c = t.crm.customer;
  const columns: TableColumnsType<StatementEntry> = [
    { key: 'at', title: c.date, dataIndex: 'at', width: 170, render: (v: string) => <DateTime value={v} /> },
    { key: 'order', title: c.order, width: 170, render: (_, e) => <Link to={`/orders/${e.orderId}`} className="order-number">{e.orderNumber}</Link> },
    { key: 'kind', title: c.entry, width: 140, render: (_, e) => c.kinds[e.kind] },
    { key: 'amount', title: c.amount, dataIndex: 'amount', align: 'right', width: 140, render: (v: string) => <Money value={v} /> },
    { key: 'balance', title: c.runningBalance, dataIndex: 'balance', align: 'right', width: 140, render: (v: string) => <Money value={v} strong /> },
  ];
  return (
    <div className="section-gap">
      <Flex gap={8} wrap justify="flex-end">
        <PrintButtons pdfUrl={`/api/customers/${customerId}/statement.pdf`} testId="statement" />
      </Flex>
      <Card variant="borderless" styles={{ body: { padding: 0 } }}>
        <Table<StatementEntry>
          data-testid="customer-statement"
          rowKey="id"
          size="middle"
          columns={columns}
          dataSource={statement?.entries ?? []}
          loading={loading}
          pagination={false}
          scroll={{ x: 740 }}
          locale={{ emptyText: c.noEntries }}
        />
      </Card>
    </div>
  );
}
