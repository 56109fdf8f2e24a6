import { useQuery } from '@tanstack/react-query';
import { Card, Segmented, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { Link, useSearchParams } from 'react-router';
import { REVIEW_STATUSES, type ReviewStatus, type ReviewSummary } from '../../../contracts/cleanup.js';
import { cleanupKeys, fetchReviews } from '../../api/cleanup.js';
import { formatDateTime } from '../../components/DateTime.js';
import { LoadFailed } from '../../components/LoadFailed.js';
import { PageHeader } from '../../components/PageHeader.js';
import { useT } from '../../i18n/locale.js';
import { Countdown } from './Countdown.js';

export const REVIEW_COLOURS: Record<ReviewStatus, string> = { open: 'gold', approved: 'success', rejected: 'default' };

/** Cleanup reviews (cleanup.review): open ones first, soonest cleanup date first, with the time left. */
export default function CleanupReviewsPage() {
  const t = useT();
  const r = t.cleanup.reviews;
  const [params, setParams] = useSearchParams();
  const statusParam = params.get('status');
  const status = (REVIEW_STATUSES as readonly string[]).includes(statusParam ?? '') ? (statusParam as ReviewStatus) : undefined;
  const reviews = useQuery({ queryKey: cleanupKeys.reviews(status), queryFn: () => fetchReviews(status) });

  const columns: TableColumnsType<ReviewSummary> = [
    { key: 'id', title: '#', dataIndex: 'id', width: 80, render: (id: string) => <Link to={`/cleanup/reviews/${id}`} className="num">#{id}</Link> },
    {
      key: 'rule',
      title: r.rule,
      render: (_, review) => (
        <Link to={`/cleanup/reviews/${review.id}`} data-testid={`review-link-${review.id}`}>
          {review.ruleName ?? r.fromDataQuality}
        </Link>
      ),
    },
    { key: 'trigger', title: r.trigger, width: 110, render: (_, review) => <Tag>{r.triggers[review.trigger]}</Tag> },
    { key: 'count', title: r.candidates, dataIndex: 'candidateCount', width: 90, align: 'right', render: (n: number) => <span className="num">{n}</span> },
    { key: 'status', title: r.status, dataIndex: 'status', width: 100, render: (s: ReviewStatus) => <Tag color={REVIEW_COLOURS[s]}>{r.statuses[s]}</Tag> },
    { key: 'openedAt', title: r.openedAt, dataIndex: 'openedAt', width: 170, render: (v: string) => formatDateTime(v) },
    { key: 'executeAfter', title: r.executeAfter, dataIndex: 'executeAfter', width: 170, render: (v: string) => formatDateTime(v) },
    {
      key: 'countdown',
      title: r.countdown,
      width: 140,
      render: (_, review) => (review.status === 'open' ? <Countdown until={review.executeAfter} /> : <Typography.Text type="secondary">—</Typography.Text>),
    },
  ];

  return (
    <>
      <PageHeader
        title={r.title}
        subtitle={r.subtitle}
        extra={
          <Segmented<ReviewStatus | 'all'>
            value={status ?? 'all'}
            onChange={(v) => setParams(v === 'all' ? new URLSearchParams() : new URLSearchParams({ status: v }))}
            options={[{ value: 'all', label: r.all }, ...REVIEW_STATUSES.map((s) => ({ value: s, label: r.statuses[s] }))]}
          />
        }
      />
      <Card variant="borderless">
        {reviews.isError ? (
          <LoadFailed error={reviews.error} onRetry={() => reviews.refetch()} />
        ) : (
          <Table rowKey="id" columns={columns} dataSource={reviews.data?.items} loading={reviews.isLoading} pagination={false} locale={{ emptyText: r.empty }} scroll={{ x: 1000 }} />
        )}
      </Card>
    </>
  );
}
