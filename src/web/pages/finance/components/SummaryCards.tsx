import { QuestionCircleOutlined } from '@ant-design/icons';
import { Card, Col, Row, Skeleton, Statistic, Tooltip, Typography } from 'antd';
import type { ReactNode } from 'react';
import { toMinor } from '../../../../contracts/common.js';
import type { FinanceSummary } from '../../../../contracts/finance.js';
import { formatMoney } from '../../../components/Money.js';
import { useT } from '../../../i18n/locale.js';

function Figure({ title, help, value, colour, footer, testId }: { title: string; help?: string; value: string | undefined; colour?: string; footer?: ReactNode; testId: string }) {
  return (
    <Card variant="borderless" style={{ height: '100%' }} data-testid={testId}>
      {value === undefined ? (
        <Skeleton active paragraph={{ rows: 1 }} title={false} />
      ) : (
        <Statistic
          className="finance-stat"
          title={
            <span>
              {title}{' '}
              {help && (
                <Tooltip title={help}>
                  <QuestionCircleOutlined className="muted" />
                </Tooltip>
              )}
            </span>
          }
          value={formatMoney(value)}
          styles={{ content: { fontSize: 24, color: colour } }}
        />
      )}
      {footer && (
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {footer}
        </Typography.Text>
      )}
    </Card>
  );
}

/** Receivable first and largest: it is the figure finance acts on. */
export function SummaryCards({ summary }: { summary: FinanceSummary | undefined }) {
  const t = useT();
  const f = t.reports.finance;
  const owed = summary && toMinor(summary.receivable) > 0;
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} md={12} xl={6}>
        <Figure
          testId="finance-receivable"
          title={f.receivable}
          help={f.receivableHelp}
          value={summary?.receivable}
          colour={owed ? 'var(--ant-color-warning-text)' : undefined}
          footer={summary ? f.owing(summary.customersWithBalance, summary.ordersWithBalance) : undefined}
        />
      </Col>
      <Col xs={12} md={6} xl={5}>
        <Figure testId="finance-invoiced" title={f.invoiced} help={f.invoicedHelp} value={summary?.invoiced} />
      </Col>
      <Col xs={12} md={6} xl={5}>
        <Figure testId="finance-received" title={f.received} help={f.receivedHelp} value={summary?.received} colour="var(--ant-color-success-text)" />
      </Col>
      <Col xs={12} md={6} xl={4}>
        <Figure testId="finance-refunded" title={f.refunded} value={summary?.refunded} />
      </Col>
      <Col xs={12} md={6} xl={4}>
        <Figure testId="finance-reversed" title={f.reversed} help={f.reversedHelp} value={summary?.reversed} />
      </Col>
    </Row>
  );
}
