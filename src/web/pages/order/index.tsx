import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Col, Descriptions, Result, Row, Statistic, Steps, Table, Typography, type TableColumnsType } from 'antd';
import { Link, useLocation, useParams } from 'react-router';
import { fromMinor, toMinor } from '../../../contracts/common.js';
import type { OrderView } from '../../../contracts/orders.js';
import { ProblemError } from '../../api/http.js';
import { fetchOrder, orderKeys } from '../../api/orders.js';
import { DateTime, formatDateTime } from '../../components/DateTime.js';
import { LoadFailed } from '../../components/LoadFailed.js';
import { formatMoney, Money } from '../../components/Money.js';
import { PageHeader } from '../../components/PageHeader.js';
import { PrintButtons } from '../../components/PrintButtons.js';
import { PageSpinner } from '../../components/PageSpinner.js';
import { StatusTag } from '../../components/StatusTag.js';
import { LegalHoldBadge } from '../../components/governance/LegalHoldBadge.js';
import { LegalHoldButton, NextStepTags } from '../../components/governance/OrderGovernance.js';
import type { Messages } from '../../i18n/en.js';
import { useT } from '../../i18n/locale.js';
import { useCustomerName } from '../../components/customer-name.js';
import { DeleteOrderButton } from './components/DeleteOrderButton.js';
import { LifecycleActions } from './components/LifecycleActions.js';
import { OrderEffects } from './components/OrderEffects.js';
import { OrderHistory } from './components/OrderHistory.js';

type Line = OrderView['items'][number];

/** The path the order took: the happy path while it is on it, or how far it got before it was cancelled. */
function progressSteps(order: OrderView, t: Messages) {
  const at = (label: string, when: string | null) => ({ title: label, content: when ? formatDateTime(when) : undefined });
  if (order.status === 'cancelled') {
    const steps = [at(t.status.draft, order.createdAt)];
    if (order.confirmedAt) steps.push(at(t.status.confirmed, order.confirmedAt));
    steps.push(at(t.status.cancelled, order.cancelledAt));
    return { items: steps, current: steps.length - 1, status: 'error' as const };
  }
  const steps = [
    at(t.status.draft, order.createdAt),
    at(t.status.confirmed, order.confirmedAt),
    at(t.status.shipped, order.shippedAt),
    at(t.status.completed, order.completedAt),
  ];
  const current = ['draft', 'confirmed', 'shipped', 'completed'].indexOf(order.status);
  return { items: steps, current, status: order.status === 'completed' ? ('finish' as const) : ('process' as const) };
}

export default function OrderPage() {
  const { id = '' } = useParams();
  const t = useT();
  const customerName = useCustomerName();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const order = useQuery({ queryKey: orderKeys.detail(id), queryFn: () => fetchOrder(id) });
  // Warnings from the create request (a likely duplicate), handed over by the order form.
  const warnings = (useLocation().state as { warnings?: NonNullable<OrderView['warnings']> } | null)?.warnings ?? [];

  if (order.isPending) return <PageSpinner />;
  if (order.isError) {
    if (order.error instanceof ProblemError && order.error.code === 'in_recycle_bin') {
      const number = String(order.error.problem.number);
      return (
        <Result
          status="warning"
          title={number}
          subTitle={t.problems.byCode.in_recycle_bin}
          data-testid="order-in-recycle-bin"
          extra={
            <Link to={`/recycle-bin?q=${encodeURIComponent(number)}`}>
              <Button type="primary">{t.deletion.nav.recycleBin}</Button>
            </Link>
          }
        />
      );
    }
    if (order.error instanceof ProblemError && order.error.status === 404) {
      return (
        <Result
          status="404"
          title="404"
          subTitle={t.order.notFound}
          extra={
            <Link to="/orders">
              <Button type="primary">{t.errors.goHome}</Button>
            </Link>
          }
        />
      );
    }
    return <LoadFailed error={order.error} onRetry={() => order.refetch()} />;
  }

  const o = order.data;
  // Nothing is owed on a draft (not yet confirmed) or a cancelled order (its receivable was reversed).
  const owes = o.status !== 'draft' && o.status !== 'cancelled';
  const outstanding = fromMinor(toMinor(o.total) - toMinor(o.paid));
  const onStale = () => {
    message.warning(t.order.stale, 6);
    void queryClient.invalidateQueries({ queryKey: orderKeys.all });
  };

  const lineColumns: TableColumnsType<Line> = [
    { key: 'no', title: '#', width: 48, render: (_, __, index) => <span className="muted num">{index + 1}</span> },
    { key: 'sku', title: t.order.sku, dataIndex: 'sku', width: 160, render: (sku: string) => <span className="order-number">{sku}</span> },
    { key: 'name', title: t.order.product, dataIndex: 'name' },
    { key: 'quantity', title: t.order.quantity, dataIndex: 'quantity', align: 'right', width: 90, render: (q: number) => <span className="num">{q}</span> },
    { key: 'unitPrice', title: t.order.unitPrice, dataIndex: 'unitPrice', align: 'right', width: 130, render: (v: string) => <Money value={v} /> },
    { key: 'lineTotal', title: t.order.lineTotal, dataIndex: 'lineTotal', align: 'right', width: 140, render: (v: string) => <Money value={v} strong /> },
  ];

  const progress = progressSteps(o, t);
  return (
    <div className="section-gap" data-testid="order-page">
      <PageHeader
        crumbs={[{ label: t.nav.orders, to: '/orders' }, { label: o.number }]}
        title={<span data-testid="order-number">{o.number}</span>}
        tags={
          <>
            <StatusTag status={o.status} />
            <LegalHoldBadge hold={o.legalHold} />
          </>
        }
        extra={
          <>
            <LegalHoldButton order={o} />
            <LifecycleActions order={o} onStale={onStale} />
            <DeleteOrderButton order={o} />
            <PrintButtons pdfUrl={`/api/orders/${o.id}/pdf`} testId="order" />
          </>
        }
      />
      {warnings.map((w) => (
        <Alert
          key={w.code}
          type="warning"
          showIcon
          closable
          data-testid={`warning-${w.code}`}
          title={w.code === 'possible_duplicate' ? t.orderForm.duplicateTitle : w.code}
          description={w.message}
        />
      ))}
      {o.status === 'cancelled' && <Alert type="warning" showIcon title={t.order.cancelledBanner} />}
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={16}>
          <Card variant="borderless" style={{ height: '100%' }}>
            <Descriptions
              column={{ xs: 1, sm: 2 }}
              size="middle"
              items={[
                { key: 'customer', label: t.order.customer, children: <Typography.Text strong>{customerName(o.customer)}</Typography.Text> },
                { key: 'owner', label: t.order.owner, children: o.ownerName ?? `#${o.ownerId}` },
                { key: 'created', label: t.order.created, children: <DateTime value={o.createdAt} /> },
                { key: 'updated', label: t.order.updated, children: <DateTime value={o.updatedAt} /> },
                { key: 'note', label: t.order.note, span: 'filled', children: o.note ? <Typography.Paragraph style={{ margin: 0, whiteSpace: 'pre-wrap' }}>{o.note}</Typography.Paragraph> : <span className="muted">—</span> },
              ]}
            />
          </Card>
        </Col>
        <Col xs={24} xl={8}>
          <Card variant="borderless" style={{ height: '100%' }}>
            <Row gutter={16}>
              <Col span={8}>
                <Statistic title={t.order.total} value={formatMoney(o.total)} styles={{ content: { fontSize: 22, fontVariantNumeric: 'tabular-nums' } }} />
              </Col>
              <Col span={8}>
                <Statistic title={t.order.paid} value={formatMoney(o.paid)} styles={{ content: { fontSize: 22, fontVariantNumeric: 'tabular-nums', color: 'var(--ant-color-success-text)' } }} />
              </Col>
              <Col span={8}>
                <Statistic
                  title={t.order.outstanding}
                  value={owes ? formatMoney(outstanding) : '—'}
                  styles={{ content: { fontSize: 22, fontVariantNumeric: 'tabular-nums', color: owes && toMinor(outstanding) > 0 ? 'var(--ant-color-warning-text)' : undefined } }}
                />
              </Col>
            </Row>
          </Card>
        </Col>
      </Row>
      {/* On paper the order is a confirmation: its lines and totals, not its workflow. */}
      <Card variant="borderless" className="no-print" title={t.order.lifecycle} extra={<NextStepTags order={o} />}>
        <Steps size="small" current={progress.current} status={progress.status} items={progress.items} />
      </Card>
      <Card variant="borderless" title={`${t.order.lines} (${o.items.length})`} styles={{ body: { padding: 0 } }}>
        <Table<Line>
          rowKey="id"
          size="middle"
          data-testid="order-lines"
          columns={lineColumns}
          dataSource={o.items}
          pagination={false}
          scroll={{ x: 700 }}
          summary={() => (
            <Table.Summary.Row>
              <Table.Summary.Cell index={0} colSpan={5} align="right">
                <Typography.Text strong>{t.order.total}</Typography.Text>
              </Table.Summary.Cell>
              <Table.Summary.Cell index={1} align="right">
                <Money value={o.total} strong />
              </Table.Summary.Cell>
            </Table.Summary.Row>
          )}
        />
      </Card>
      <div className="no-print section-gap">
        <OrderEffects order={o} />
        <OrderHistory order={o} />
      </div>
    </div>
  );
}
