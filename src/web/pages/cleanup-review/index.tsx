import { CheckOutlined, CloseOutlined } from '@ant-design/icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Descriptions, Flex, Input, Modal, Space, Table, Tag, Tooltip, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import type { ApproveReviewResult, Candidate, MatchReason, ReviewView } from '../../../contracts/cleanup.js';
import { problemCodeOf } from '../../../contracts/problems.js';
import { approveReview, cleanupKeys, fetchReview, rejectReview, stepUp } from '../../api/cleanup.js';
import { ProblemError } from '../../api/http.js';
import { formatDateTime } from '../../components/DateTime.js';
import { invalidateAfterDeletion } from '../../components/deletion/use-undo-notice.js';
import { LoadFailed } from '../../components/LoadFailed.js';
import { Money } from '../../components/Money.js';
import { PageHeader } from '../../components/PageHeader.js';
import { PageSpinner } from '../../components/PageSpinner.js';
import { StatusTag } from '../../components/StatusTag.js';
import { useShowError } from '../../components/use-show-error.js';
import { useT } from '../../i18n/locale.js';
import { useCustomerName } from '../../components/customer-name.js';
import type { Messages } from '../../i18n/en.js';
import { Countdown } from '../cleanup-reviews/Countdown.js';
import { REVIEW_COLOURS } from '../cleanup-reviews/index.js';

function reasonText(t: Messages, why: MatchReason): string {
  const r = t.cleanup.review.reasons;
  switch (why.code) {
    case 'status':
      return r.status(why.status ? t.status[why.status] : '');
    case 'older_than':
      return r.older_than(why.days ?? 0);
    case 'untouched':
      return r.untouched(why.days ?? 0);
    case 'filter':
      return r.filter;
    case 'data_quality':
      return why.check && why.check in t.cleanup.dataQuality.checks ? t.cleanup.dataQuality.checks[why.check as keyof Messages['cleanup']['dataQuality']['checks']] : r.data_quality;
  }
}

const isStepUpRequired = (error: unknown) => error instanceof ProblemError && error.status === 403 && /step-up-required|step_up_required/.test(problemCodeOf(error.problem.type) ?? '');

/** Approve: confirm the count; when the server asks for a fresh password (more than 100 orders), ask for it and go on. */
function ApproveDialog({ review, exclude, onClose, onDone }: { review: ReviewView; exclude: string[]; onClose(): void; onDone(result: ApproveReviewResult): void }) {
  const t = useT();
  const r = t.cleanup.review;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [needsPassword, setNeedsPassword] = useState(false);
  const [password, setPassword] = useState('');
  const count = review.candidates.filter((c) => !exclude.includes(c.id)).length;

  const approve = async () => {
    setBusy(true);
    setError(null);
    try {
      if (needsPassword) await stepUp(password);
      onDone(await approveReview(review.id, exclude));
    } catch (e) {
      if (isStepUpRequired(e)) setNeedsPassword(true);
      else setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open
      title={r.approveTitle}
      okText={r.confirm}
      okButtonProps={{ loading: busy, danger: true, disabled: needsPassword && !password, ...({ 'data-testid': 'confirm-approve' } as object) }}
      cancelText={t.common.cancel}
      onOk={approve}
      onCancel={() => !busy && onClose()}
      width={560}
    >
      <Flex vertical gap={12}>
        <Alert type="warning" showIcon title={r.approveBody(count, exclude.length)} />
        {Date.parse(review.executeAfter) > Date.now() && <Alert type="info" showIcon title={r.beforeGrace} />}
        {needsPassword && (
          <>
            <Alert type="info" showIcon title={r.stepUpNeeded} />
            <Input.Password value={password} onChange={(e) => setPassword(e.target.value)} placeholder={r.password} autoFocus data-testid="step-up-password" />
          </>
        )}
        {error !== null && <Alert type="error" showIcon title={error instanceof ProblemError ? (error.problem.detail ?? error.problem.title) : t.errors.network} />}
      </Flex>
    </Modal>
  );
}

/** One review: the frozen candidates with why each matched; exclude some, approve the rest, or reject with a note. */
export default function CleanupReviewPage() {
  const t = useT();
  const customerName = useCustomerName();
  const r = t.cleanup.review;
  const { id = '' } = useParams();
  const { message } = App.useApp();
  const showError = useShowError();
  const queryClient = useQueryClient();
  const review = useQuery({ queryKey: cleanupKeys.review(id), queryFn: () => fetchReview(id) });
  const [excluded, setExcluded] = useState<string[]>([]);
  const [approving, setApproving] = useState(false);
  const [rejecting, setRejecting] = useState(false);
  const [note, setNote] = useState('');
  const [result, setResult] = useState<ApproveReviewResult | null>(null);

  if (review.isError) return <LoadFailed error={review.error} onRetry={() => review.refetch()} />;
  if (!review.data) return <PageSpinner />;
  const data = review.data;
  const open = data.status === 'open';

  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: ['cleanup'] });
  };
  const reject = async () => {
    try {
      await rejectReview(id, note.trim());
      message.success(r.rejected);
      setRejecting(false);
      await refresh();
    } catch (e) {
      showError(e);
    }
  };

  const columns: TableColumnsType<Candidate> = [
    {
      key: 'number',
      title: r.number,
      dataIndex: 'number',
      width: 170,
      render: (number: string, c) => (
        <Space size={4}>
          {c.outcome === 'deleted' ? <span className="order-number">{number}</span> : <Link to={`/orders/${c.id}`} className="order-number">{number}</Link>}
          {open && c.changed && (
            <Tooltip title={r.changed}>
              <Tag color="orange">{r.outcomes.changed}</Tag>
            </Tooltip>
          )}
        </Space>
      ),
    },
    { key: 'customer', title: r.customer, render: (_, c) => customerName(c.customer) },
    { key: 'status', title: r.status, dataIndex: 'status', width: 110, render: (s: Candidate['status']) => <StatusTag status={s} /> },
    { key: 'total', title: r.total, dataIndex: 'total', width: 120, align: 'right', render: (v: string) => <Money value={v} /> },
    { key: 'updatedAt', title: r.updatedAt, dataIndex: 'updatedAt', width: 170, render: (v: string) => formatDateTime(v) },
    {
      key: 'why',
      title: r.why,
      render: (_, c) => (
        <Space size={4} wrap>
          {c.why.map((w, i) => (
            <Tag key={i} color={w.code === 'status' ? undefined : 'blue'}>
              {reasonText(t, w)}
            </Tag>
          ))}
        </Space>
      ),
    },
    ...(!open
      ? [{ key: 'outcome', title: r.outcome, width: 150, render: (_: unknown, c: Candidate) => (c.outcome ? <Tag color={c.outcome === 'deleted' ? 'error' : 'default'}>{r.outcomes[c.outcome]}</Tag> : '—') }]
      : []),
  ];

  return (
    <>
      <PageHeader
        title={r.title(data.id)}
        subtitle={data.ruleName ?? t.cleanup.reviews.fromDataQuality}
        crumbs={[{ label: r.back, to: '/cleanup' }, { label: `#${data.id}` }]}
        tags={<Tag color={REVIEW_COLOURS[data.status]}>{t.cleanup.reviews.statuses[data.status]}</Tag>}
        extra={
          open && (
            <Space>
              <Button icon={<CloseOutlined />} onClick={() => setRejecting(true)} data-testid="reject-review">
                {r.reject}
              </Button>
              <Button type="primary" danger icon={<CheckOutlined />} onClick={() => setApproving(true)} disabled={excluded.length === data.candidates.length} data-testid="approve-review">
                {r.approve(data.candidates.length - excluded.length)}
              </Button>
            </Space>
          )
        }
      />
      <Flex vertical gap={16}>
        {result && (
          <Alert
            type="success"
            showIcon
            data-testid="approve-result"
            title={r.approved(result.deleted.length)}
            description={
              <Flex vertical gap={4}>
                {result.skipped.length > 0 && (
                  <span>
                    {r.skipped(result.skipped.length)} {result.skipped.map((s) => s.number).join(', ')}
                  </span>
                )}
                {result.batchId && <Link to={`/recycle-bin?batchId=${encodeURIComponent(result.batchId)}`}>{r.openBatch}</Link>}
              </Flex>
            }
          />
        )}
        <Card variant="borderless">
          <Descriptions
            size="small"
            column={{ xs: 1, md: 3 }}
            items={[
              { key: 'opened', label: t.cleanup.reviews.openedAt, children: formatDateTime(data.openedAt) },
              { key: 'execute', label: t.cleanup.reviews.executeAfter, children: <Space>{formatDateTime(data.executeAfter)}{open && <Countdown until={data.executeAfter} />}</Space> },
              { key: 'count', label: t.cleanup.reviews.candidates, children: <span className="num">{data.candidateCount}</span> },
              ...(data.decidedAt ? [{ key: 'decided', label: r.decidedBy, children: formatDateTime(data.decidedAt) }] : []),
              ...(data.note ? [{ key: 'note', label: r.note, children: data.note }] : []),
            ]}
          />
          {open && (
            <Alert style={{ marginTop: 12 }} type="info" showIcon title={Date.parse(data.executeAfter) > Date.now() ? r.graceOpen(formatDateTime(data.executeAfter)) : r.graceOver} />
          )}
          {data.truncated && <Alert style={{ marginTop: 12 }} type="warning" showIcon title={r.truncated} />}
        </Card>
        <Card variant="borderless" title={open && excluded.length > 0 ? `${r.exclude}: ${excluded.length}` : undefined}>
          <Table
            rowKey="id"
            size="middle"
            columns={columns}
            dataSource={data.candidates}
            pagination={data.candidates.length > 100 ? { pageSize: 100, showSizeChanger: false } : false}
            scroll={{ x: 1000 }}
            rowSelection={
              open
                ? {
                    selectedRowKeys: excluded,
                    onChange: (keys) => setExcluded(keys.map(String)),
                    columnTitle: r.exclude,
                    getCheckboxProps: (c) => ({ 'aria-label': `${r.exclude} ${c.number}`, 'data-testid': `exclude-${c.number}` }) as object,
                  }
                : undefined
            }
          />
        </Card>
      </Flex>
      {approving && (
        <ApproveDialog
          review={data}
          exclude={excluded}
          onClose={() => setApproving(false)}
          onDone={(res) => {
            setApproving(false);
            setResult(res);
            setExcluded([]);
            message.success(r.approved(res.deleted.length));
            invalidateAfterDeletion(queryClient);
            void refresh();
          }}
        />
      )}
      {rejecting && (
        <Modal open title={r.rejectTitle} okText={r.reject} okButtonProps={{ danger: true, disabled: !note.trim(), ...({ 'data-testid': 'confirm-reject' } as object) }} cancelText={t.common.cancel} onOk={reject} onCancel={() => setRejecting(false)}>
          <Typography.Paragraph>{r.rejectNote}</Typography.Paragraph>
          <Input.TextArea value={note} onChange={(e) => setNote(e.target.value)} maxLength={1000} autoSize={{ minRows: 2, maxRows: 5 }} data-testid="reject-note" />
        </Modal>
      )}
    </>
  );
}
