import { useQuery } from '@tanstack/react-query';
import { Card, Col, Empty, List, Row, Statistic, Typography } from 'antd';
import dayjs from 'dayjs';
import { Bar, BarChart, CartesianGrid, Cell, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { Link, useNavigate } from 'react-router';
import { toMinor } from '../../../contracts/common.js';
import type { Dashboard } from '../../../contracts/dashboard.js';
import type { DataQualityCheckCode } from '../../../contracts/data-quality.js';
import { DELETE_REASON_CODES } from '../../../contracts/deletion.js';
import { fetchDashboard, fetchOptional, guidanceKeys } from '../../api/guidance.js';
import { hasPermission } from '../../auth/permissions.js';
import { useMe } from '../../auth/session.js';
import { LoadFailed } from '../../components/LoadFailed.js';
import { formatMoney } from '../../components/Money.js';
import { PageHeader } from '../../components/PageHeader.js';
import { PageSpinner } from '../../components/PageSpinner.js';
import { useLocale, useT } from '../../i18n/locale.js';

/** Status colours as the status tags show them, so a bar and a tag of the same status look alike. */
const STATUS_COLOUR: Record<string, string> = { draft: '#8c95a6', confirmed: '#1f5fbf', shipped: '#13a8a8', completed: '#52c41a', cancelled: '#d4380d' };
const REASON_COLOUR: Record<string, string> = { customer_cancelled: '#1f5fbf', duplicate: '#fa8c16', entry_error: '#d4380d', test_data: '#722ed1', cleanup: '#13a8a8', other: '#8c95a6' };

const monthRange = (ym: string) => ({ from: `${ym}-01`, to: dayjs(`${ym}-01`).endOf('month').format('YYYY-MM-DD') });

/** The home page: each chart counts what the user may see, and a click opens the list behind it. */
export default function DashboardPage() {
  const t = useT();
  const g = t.guidance.dashboard;
  const me = useMe();
  const { language } = useLocale();
  const navigate = useNavigate();
  const canRead = hasPermission(me, 'orders.read');
  const data = useQuery({ queryKey: guidanceKeys.dashboard, queryFn: fetchDashboard, enabled: canRead });
  // Tiles of other capabilities: shown only where their route answers.
  const reviews = useQuery({ queryKey: ['dashboard', 'reviews'], queryFn: () => fetchOptional<{ items: unknown[] }>('/api/cleanup/reviews', { status: 'open' }), enabled: canRead });
  const quality = useQuery({ queryKey: ['dashboard', 'data-quality'], queryFn: () => fetchOptional<{ checkedAt: string | null; checks: Array<{ code: DataQualityCheckCode; count: number }> }>('/api/data-quality'), enabled: canRead });

  if (!canRead) return <PageHeader title={g.title} subtitle={t.guidance.help.subtitle} extra={<Link to="/help">{t.guidance.menu.helpCentre}</Link>} />;
  if (data.isPending) return <PageSpinner />;
  if (data.isError) return <LoadFailed error={data.error} onRetry={() => void data.refetch()} />;
  const d: Dashboard = data.data;
  const monthLabel = (ym: string) => dayjs(`${ym}-01`).format(language === 'zh-CN' ? 'YY年M月' : 'MMM YY');
  const statuses = d.ordersByStatus.map((s) => ({ ...s, label: t.status[s.status] }));
  const revenue = d.revenueByMonth.map((m) => ({ month: m.month, label: monthLabel(m.month), total: toMinor(m.total) / 100, raw: m.total }));
  const deletionMonths = [...new Set(d.deletionsByReason.map((x) => x.month))].sort();
  const deletions = deletionMonths.map((m) => ({
    month: m,
    label: monthLabel(m),
    ...Object.fromEntries(DELETE_REASON_CODES.map((r) => [r, d.deletionsByReason.find((x) => x.month === m && x.reason === r)?.count ?? 0])),
  }));
  // Only the reasons that occur: six legend entries for one deleted order wrapped under the chart.
  const deletionReasons = DELETE_REASON_CODES.filter((r) => d.deletionsByReason.some((x) => x.reason === r && x.count > 0));
  const compact = new Intl.NumberFormat(language, { notation: 'compact', maximumFractionDigits: 1 });
  const findings = quality.data?.checks.filter((c) => c.count > 0) ?? [];

  return (
    <>
      <PageHeader title={g.title} subtitle={g.subtitle} />
      <Row gutter={[16, 16]} className="dashboard-grid">
        <Col xs={24} lg={12}>
          <Card title={g.byStatus} data-tour="dashboard-status" data-testid="chart-status">
            <div className="dashboard-chart">
              <ResponsiveContainer>
                <BarChart data={statuses} margin={{ top: 8, right: 8, left: 0, bottom: 0 }}>
                  <CartesianGrid strokeDasharray="3 3" vertical={false} />
                  <XAxis dataKey="label" />
                  <YAxis allowDecimals={false} />
                  <Tooltip />
                  <Bar dataKey="count" maxBarSize={56} name={g.byStatus} onClick={(entry: { payload?: { status?: string } }) => void navigate(`/orders?status=${entry.payload?.status ?? ''}`)}>
                    {statuses.map((s) => (
                      <Cell key={s.status} fill={STATUS_COLOUR[s.status]} data-status={s.status} />
                    ))}
                  </Bar>
                </BarChart>
              </ResponsiveContainer>
            </div>
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={g.revenue} data-testid="chart-revenue">
            <div className="dashboard-chart">
              <ResponsiveContainer>
                <BarChart data={revenue} margin={{ top: 8, right: 8, left: 8, bottom: 0 }}>
                  <CartesianGrid strokeDasharray="3 3" vertical={false} />
                  <XAxis dataKey="label" />
                  <YAxis tickFormatter={(v: number) => compact.format(v)} />
                  <Tooltip formatter={(_value, _name, item: { payload?: { raw?: string } }) => formatMoney(item.payload?.raw ?? '0')} />
                  <Bar
                    dataKey="total"
                    maxBarSize={56}
                    name={g.revenue}
                    fill="#1f5fbf"
                    onClick={(entry: { payload?: { month?: string } }) => {
                      const { from, to } = monthRange(entry.payload?.month ?? '');
                      void navigate(`/orders?status=confirmed,shipped,completed&from=${from}&to=${to}`);
                    }}
                  />
                </BarChart>
              </ResponsiveContainer>
            </div>
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={g.deletions} data-testid="chart-deletions">
            {deletions.length === 0 ? (
              <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={g.noData} />
            ) : (
              <div className="dashboard-chart">
                <ResponsiveContainer>
                  <BarChart data={deletions} margin={{ top: 8, right: 8, left: 0, bottom: 0 }}>
                    <CartesianGrid strokeDasharray="3 3" vertical={false} />
                    <XAxis dataKey="label" />
                    <YAxis allowDecimals={false} />
                    <Tooltip />
                    <Legend />
                    {deletionReasons.map((reason) => (
                      <Bar key={reason} dataKey={reason} maxBarSize={56} stackId="reasons" name={t.deletion.reasons[reason]} fill={REASON_COLOUR[reason]} onClick={() => void navigate(`/recycle-bin?reason=${reason}`)} />
                    ))}
                  </BarChart>
                </ResponsiveContainer>
              </div>
            )}
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Row gutter={[16, 16]}>
            <Col xs={24} sm={12}>
              <Card title={g.recycleBin} data-testid="tile-recycle-bin">
                <Link to="/recycle-bin">
                  <Statistic title={g.inBin} value={d.recycleBin.count} />
                </Link>
                <Statistic title={g.purgingThisWeek} value={d.recycleBin.purgingThisWeek} styles={{ content: { color: d.recycleBin.purgingThisWeek > 0 ? '#d4380d' : undefined, fontSize: 20 } }} />
                {d.recycleBin.nextPurges.length > 0 && (
                  <List
                    header={<Typography.Text type="secondary">{g.nextPurges}</Typography.Text>}
                    size="small"
                    dataSource={d.recycleBin.nextPurges}
                    renderItem={(o) => (
                      <List.Item>
                        <Link to={`/recycle-bin?q=${encodeURIComponent(o.number)}`}>
                          <Typography.Text code>{o.number}</Typography.Text>
                        </Link>{' '}
                        <Typography.Text type="secondary" style={{ whiteSpace: 'nowrap' }}>
                          {dayjs(o.purgeAfter).format('YYYY-MM-DD')}
                        </Typography.Text>
                      </List.Item>
                    )}
                  />
                )}
              </Card>
            </Col>
            {d.openRestoreRequests !== null && (
              <Col xs={24} sm={12}>
                <Card title={g.restoreRequests} data-testid="tile-restore-requests">
                  <Link to="/restore-requests?status=pending">
                    <Statistic value={d.openRestoreRequests} />
                  </Link>
                </Card>
              </Col>
            )}
          </Row>
        </Col>
        {reviews.data && (
          <Col xs={24} lg={8}>
            <Card title={g.reviews} data-testid="tile-reviews">
              <Link to="/cleanup?status=open">
                <Statistic value={reviews.data.items.length} />
              </Link>
            </Card>
          </Col>
        )}
        {quality.data && (
          <Col xs={24} lg={16}>
            <Card title={g.dataQuality} data-testid="tile-data-quality">
              <Link to="/data-quality">
                <Statistic value={findings.reduce((n, c) => n + c.count, 0)} />
              </Link>
              {findings.length > 0 && (
                <List
                  size="small"
                  dataSource={findings}
                  renderItem={(c) => (
                    <List.Item>
                      <Link to={`/data-quality?check=${c.code}`} data-testid={`finding-${c.code}`}>
                        {t.cleanup.dataQuality.checks[c.code]}
                      </Link>
                      <Typography.Text strong>{c.count}</Typography.Text>
                    </List.Item>
                  )}
                />
              )}
              {quality.data.checkedAt && (
                <Typography.Text type="secondary">
                  {g.checkedAt} {dayjs(quality.data.checkedAt).format('YYYY-MM-DD HH:mm')}
                </Typography.Text>
              )}
            </Card>
          </Col>
        )}
      </Row>
    </>
  );
}
