import { useQuery } from '@tanstack/react-query';
import { Alert, Drawer, Empty, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { Link } from 'react-router';
import { fromMinor, toMinor } from '../../../../contracts/common.js';
import type { LedgerEntryView, LedgerKind } from '../../../../contracts/finance.js';
import { fetchCustomerStatement, financeKeys, STATEMENT_LIMIT } from '../../../api/finance-reports.js';
import { DateTime } from '../../../components/DateTime.js';
import { LoadFailed } from '../../../components/LoadFailed.js';
import { Money } from '../../../components/Money.js';
import { useT } from '../../../i18n/locale.js';

const KIND_COLOURS: Record<LedgerKind, string> = { receivable: 'blue', payment: 'green', refund: 'orange', reversal: 'red' };

type StatementLine = LedgerEntryView & { balance: string };

/** Each entry with what the customer owed after it; amounts are signed changes of what is owed. */
export function withRunningBalance(entries: LedgerEntryView[]): StatementLine[] {
  let balance = 0;
  return entries.map((e) => {
    balance += toMinor(e.amount);
    return { ...e, balance: fromMinor(balance) };
  });
}

/** A customer's statement: every ledger entry across their orders, oldest first, with the running balance. */
export function StatementDrawer({ customer, onClose }: { customer: { id: string; name: string } | null; onClose(): void }) {
  const t = useT();
  const f = t.reports.finance;
  const statement = useQuery({ queryKey: financeKeys.statement(customer?.id ?? ''), queryFn: () => fetchCustomerStatement(customer!.id), enabled: Boolean(customer) });
  const lines = withRunningBalance(statement.data?.items ?? []);

  const columns: TableColumnsType<StatementLine> = [
    { key: 'when', title: t.ledger.when, dataIndex: 'createdAt', width: 140, render: (v: string) => <DateTime value={v} /> },
    {
      key: 'order',
      title: f.order,
      width: 160,
      render: (_, e) =>
        e.orderNumber ? (
          <Link to={`/orders/${e.orderId}`} className="order-number">
            {e.orderNumber}
          </Link>
        ) : (
          <span className="muted">#{e.orderId}</span>
        ),
    },
    { key: 'kind', title: t.ledger.kind, dataIndex: 'kind', width: 100, render: (k: LedgerKind) => <Tag color={KIND_COLOURS[k]}>{t.ledgerKinds[k]}</Tag> },
    { key: 'amount', title: t.ledger.amount, dataIndex: 'amount', align: 'right', width: 130, render: (v: string) => <Money value={v} /> },
    { key: 'balance', title: f.runningBalance, dataIndex: 'balance', align: 'right', width: 130, render: (v: string) => <Money value={v} strong /> },
    {
      key: 'note',
      title: t.ledger.note,
      render: (_, e) => (
        <Typography.Text type="secondary" ellipsis={{ tooltip: e.note }}>
          {[e.note, e.reversesId ? t.ledger.reverses(e.reversesId) : null].filter(Boolean).join(' · ') || '—'}
        </Typography.Text>
      ),
    },
  ];

  return (
    <Drawer open={customer !== null} onClose={onClose} size={900} title={customer ? f.statementTitle(customer.name) : f.statement} destroyOnHidden data-testid="statement-drawer">
      {statement.isError ? (
        <LoadFailed error={statement.error} onRetry={() => statement.refetch()} />
      ) : (
        <>
          {lines.length >= STATEMENT_LIMIT && <Alert type="info" showIcon style={{ marginBottom: 12 }} title={f.firstEntriesOnly(STATEMENT_LIMIT)} />}
          <Table<StatementLine>
            rowKey="id"
            size="small"
            columns={columns}
            dataSource={lines}
            loading={statement.isPending}
            pagination={lines.length > 50 ? { pageSize: 50, size: 'small', showSizeChanger: false } : false}
            scroll={{ x: 760 }}
            locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={f.statementEmpty} /> }}
          />
        </>
      )}
    </Drawer>
  );
}
