import { CheckCircleFilled, ReloadOutlined, WarningFilled } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Col, Empty, Flex, Row, Space, Statistic, Typography } from 'antd';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { DATA_QUALITY_CHECKS, type DataQualityCheck, type DataQualitySample } from '../../../contracts/data-quality.js';
import { cleanupKeys, fetchDataQuality, openReviewOf, runDataQuality } from '../../api/cleanup.js';
import { hasPermission } from '../../auth/permissions.js';
import { useMe } from '../../auth/session.js';
import { formatDateTime } from '../../components/DateTime.js';
import { LoadFailed } from '../../components/LoadFailed.js';
import { PageHeader } from '../../components/PageHeader.js';
import { PageSpinner } from '../../components/PageSpinner.js';
import { useShowError } from '../../components/use-show-error.js';
import type { Messages } from '../../i18n/en.js';
import { useT } from '../../i18n/locale.js';
import { Sparkline } from './Sparkline.js';

/** Where each finding is fixed: the order, its edit form (owner), the customer, the product. */
function fixLink(t: Messages, check: DataQualityCheck['code'], s: DataQualitySample): { to: string; label: string } | null {
  const f = t.cleanup.dataQuality.fixes;
  if (s.entityType === 'customer') return { to: `/customers?q=${encodeURIComponent(s.label ?? '')}`, label: f.openCustomer };
  if (s.entityType === 'product') return { to: `/stock?product=${s.id}`, label: f.openStock };
  if (s.entityType !== 'order') return null;
  if (check === 'disabled_owner') return { to: `/orders/${s.id}/edit`, label: f.reassign };
  if (check === 'duplicate_orders') return { to: `/orders/${s.id}`, label: f.cancelDuplicate };
  return { to: `/orders/${s.id}`, label: f.openOrder };
}

function CheckCard({ check, onReview }: { check: DataQualityCheck; onReview?: (ids: string[]) => void }) {
  const t = useT();
  const q = t.cleanup.dataQuality;
  const clean = check.count === 0;
  return (
    <Card
      variant="borderless"
      data-testid={`check-${check.code}`}
      title={
        <Space>
          {clean ? <CheckCircleFilled style={{ color: '#389e0d' }} /> : <WarningFilled style={{ color: '#d4380d' }} />}
          <span style={{ whiteSpace: 'normal' }}>{q.checks[check.code]}</span>
        </Space>
      }
      style={{ height: '100%' }}
    >
      <Flex justify="space-between" align="center" gap={12}>
        <Statistic title={q.count} value={check.count} styles={{ content: { color: clean ? 'var(--ant-color-success-text)' : 'var(--ant-color-error-text)' } }} />
        <Flex vertical align="flex-end">
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {q.trend}
          </Typography.Text>
          <Sparkline values={check.trend.map((p) => p.count)} label={`${q.trend}: ${check.trend.map((p) => p.count).join(', ')}`} />
        </Flex>
      </Flex>
      {clean ? (
        <Typography.Text type="secondary">{q.clean}</Typography.Text>
      ) : (
        <Flex vertical gap={6} style={{ marginTop: 12 }}>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {q.samples}
          </Typography.Text>
          {check.samples.map((s) => {
            const fix = fixLink(t, check.code, s);
            return (
              <Flex key={`${s.entityType}-${s.id}`} justify="space-between" gap={8} wrap>
                <span>
                  <span className={s.entityType === 'order' ? 'order-number' : undefined}>{s.label ?? `#${s.id}`}</span>
                  {s.related && (
                    <Typography.Text type="secondary">
                      {' ↔ '}
                      <Link to={`/orders/${s.related.id}`} className="order-number">
                        {s.related.label}
                      </Link>
                    </Typography.Text>
                  )}
                </span>
                {fix && <Link to={fix.to}>{fix.label}</Link>}
              </Flex>
            );
          })}
          {onReview && check.samples.some((s) => s.entityType === 'order') && (
            <Button size="small" style={{ alignSelf: 'flex-start' }} onClick={() => onReview(check.samples.filter((s) => s.entityType === 'order').map((s) => s.id))} data-testid={`review-${check.code}`}>
              {q.fixes.startReview}
            </Button>
          )}
        </Flex>
      )}
    </Card>
  );
}

/** Checks whose findings a cleanup review may take (a stale draft or an extra duplicate can go to the recycle bin). */
const REVIEWABLE = new Set<DataQualityCheck['code']>(['stale_drafts', 'duplicate_orders']);

/**
 * Data quality: each check's count, its trend over the recent runs, a few examples and where to fix them.
 * `?check=<code>` (the dashboard's links) shows that one check.
 */
export default function DataQualityPage() {
  const t = useT();
  const q = t.cleanup.dataQuality;
  const me = useMe();
  const [params, setParams] = useSearchParams();
  const checkParam = params.get('check') ?? '';
  const only = (DATA_QUALITY_CHECKS as readonly string[]).includes(checkParam) ? checkParam : undefined;
  const { message } = App.useApp();
  const showError = useShowError();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const report = useQuery({ queryKey: cleanupKeys.dataQuality, queryFn: fetchDataQuality });
  const canRun = hasPermission(me, 'cleanup.review');
  const run = useMutation({
    mutationFn: runDataQuality,
    onSuccess: (data) => {
      queryClient.setQueryData(cleanupKeys.dataQuality, data);
      message.success(q.ran);
    },
    onError: showError,
  });
  const review = useMutation({
    mutationFn: ({ ids, check }: { ids: string[]; check: string }) => openReviewOf(ids, check),
    onSuccess: (opened) => {
      message.success(q.reviewStarted);
      void navigate(`/cleanup/reviews/${opened.id}`);
    },
    onError: showError,
  });

  if (report.isError) return <LoadFailed error={report.error} onRetry={() => report.refetch()} />;
  if (!report.data) return <PageSpinner />;
  const data = report.data;
  const shown = only ? data.checks.filter((c) => c.code === only) : data.checks;
  return (
    <>
      <PageHeader
        title={q.title}
        subtitle={
          <Space direction="vertical" size={0}>
            <span>{q.subtitle}</span>
            <Typography.Text type="secondary">{data.runId ? q.lastRun(formatDateTime(data.checkedAt)) : q.neverRun}</Typography.Text>
          </Space>
        }
        extra={
          canRun && (
            <Button type="primary" icon={<ReloadOutlined />} loading={run.isPending} onClick={() => run.mutate()} data-testid="run-data-quality">
              {q.runNow}
            </Button>
          )
        }
      />
      {only && (
        <Button type="link" style={{ paddingInline: 0, marginBottom: 8 }} onClick={() => setParams({})} data-testid="all-checks">
          {q.allChecks}
        </Button>
      )}
      {shown.length === 0 ? (
        <Empty />
      ) : (
        <Row gutter={[16, 16]}>
          {shown.map((check) => (
            <Col key={check.code} xs={24} md={12} xl={8}>
              <CheckCard check={check} onReview={canRun && REVIEWABLE.has(check.code) ? (ids) => review.mutate({ ids, check: check.code }) : undefined} />
            </Col>
          ))}
        </Row>
      )}
    </>
  );
}
