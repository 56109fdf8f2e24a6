import { QuestionCircleOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Card, Flex, Segmented, Skeleton, Tooltip } from 'antd';
import { useState } from 'react';
import { fetchFinanceSummary, fetchRevenue, financeKeys } from '../../api/finance-reports.js';
import { canReadFinance } from '../../auth/report-access.js';
import { LoadFailed } from '../../components/LoadFailed.js';
import { RequireAccess } from '../../components/NoAccess.js';
import { PageHeader } from '../../components/PageHeader.js';
import { useT } from '../../i18n/locale.js';
import { CustomerBalances } from './components/CustomerBalances.js';
import { RevenueChart } from './components/RevenueChart.js';
import { StatementDrawer } from './components/StatementDrawer.js';
import { SummaryCards } from './components/SummaryCards.js';
import './finance.css';

const PERIODS = [6, 12, 24] as const;

function FinanceReports() {
  const t = useT();
  const f = t.reports.finance;
  const [months, setMonths] = useState<number>(12);
  const [statementOf, setStatementOf] = useState<{ id: string; name: string } | null>(null);
  const summary = useQuery({ queryKey: financeKeys.summary, queryFn: fetchFinanceSummary });
  const revenue = useQuery({ queryKey: financeKeys.revenue(months), queryFn: () => fetchRevenue(months) });

  return (
    <div className="section-gap">
      <PageHeader title={f.title} subtitle={f.subtitle} />
      {summary.isError ? <LoadFailed error={summary.error} onRetry={() => summary.refetch()} /> : <SummaryCards summary={summary.data} />}
      <Card
        variant="borderless"
        title={
          <Flex align="center" gap={8}>
            {f.revenue}
            <Tooltip title={f.revenueHelp}>
              <QuestionCircleOutlined className="muted" />
            </Tooltip>
          </Flex>
        }
        extra={<Segmented<number> size="small" value={months} onChange={setMonths} options={PERIODS.map((n) => ({ value: n, label: f.months(n) }))} />}
      >
        {revenue.isError ? (
          <LoadFailed error={revenue.error} onRetry={() => revenue.refetch()} />
        ) : revenue.data ? (
          <RevenueChart months={revenue.data} labels={{ invoiced: f.invoiced, received: f.received, empty: f.noRevenue }} />
        ) : (
          <Skeleton active />
        )}
      </Card>
      <CustomerBalances onOpen={setStatementOf} />
      <StatementDrawer customer={statementOf} onClose={() => setStatementOf(null)} />
    </div>
  );
}

export default function FinancePage() {
  return (
    <RequireAccess allowed={canReadFinance} permissions={['finance.manage', 'orders.read:all']}>
      <FinanceReports />
    </RequireAccess>
  );
}
