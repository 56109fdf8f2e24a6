import { CheckOutlined, CloseOutlined, ReloadOutlined } from '@ant-design/icons';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Empty, Flex, Form, Input, Modal, Segmented, Table, Typography, type TableColumnsType } from 'antd';
import { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { RESTORE_REQUEST_STATUSES, type RestoreRequestView } from '../../../contracts/deletion.js';
import { decideRestoreRequest, deletionKeys, fetchRestoreRequests } from '../../api/deletion.js';
import { ProblemError } from '../../api/http.js';
import { hasPermission } from '../../auth/permissions.js';
import { useMe } from '../../auth/session.js';
import { formatDateTime } from '../../components/DateTime.js';
import { ShortageList, shortagesOf } from '../../components/deletion/ShortageList.js';
import { invalidateAfterDeletion } from '../../components/deletion/use-undo-notice.js';
import { LoadFailed } from '../../components/LoadFailed.js';
import { PageHeader } from '../../components/PageHeader.js';
import { requestedByColumn, requestIdColumn, requestOrdersColumn, requestStatusColumn } from '../../components/requests/request-columns.js';
import { useT } from '../../i18n/locale.js';
import { CursorPager } from '../orders/components/CursorPager.js';
import { DEFAULT_PAGE_SIZE } from '../orders/order-list-params.js';
import { RiskHelp } from '../../components/guidance/RiskHelp.js';

type RequestStatus = RestoreRequestView['status'];
const STATUS_COLOURS: Record<RequestStatus, string> = { pending: 'gold', approved: 'success', rejected: 'default' };
/** Order numbers shown per request before "+N more". */
const SHOWN_ORDERS = 4;

function DecideDialog({ request, decision, onClose, onDecided }: { request: RestoreRequestView; decision: 'approve' | 'reject'; onClose(): void; onDecided(): void }) {
  const t = useT();
  const r = t.deletion.requests;
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const decide = async () => {
    setBusy(true);
    setError(null);
    try {
      await decideRestoreRequest(request.id, decision, note.trim() || undefined);
      onDecided();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const shortages = shortagesOf(error);
  return (
    <Modal
      open
      title={decision === 'approve' ? r.approveTitle(request.id) : r.rejectTitle(request.id)}
      okText={decision === 'approve' ? r.approve : r.reject}
      okButtonProps={{ loading: busy, danger: decision === 'reject', ...({ 'data-testid': 'confirm-decision' } as object) }}
      cancelText={t.common.cancel}
      onOk={decide}
      onCancel={() => !busy && onClose()}
      width={560}
    >
      <Flex vertical gap={12}>
        <Flex align="start" gap={4}>
          <Alert type={decision === 'approve' ? 'info' : 'warning'} showIcon title={decision === 'approve' ? r.approveBody : r.rejectBody} style={{ flex: 1 }} />
          <RiskHelp action="approveRestore" />
        </Flex>
        <div>
          {request.orders.map((o) => (
            <span key={o.id} className="order-number" style={{ marginInlineEnd: 10 }}>
              {o.number}
            </span>
          ))}
        </div>
        <Typography.Text type="secondary">
          {r.requestedLine(request.requestedBy.name, request.note)}
        </Typography.Text>
        <Form layout="vertical">
          <Form.Item label={r.decisionNote} style={{ marginBottom: 0 }}>
            <Input.TextArea value={note} onChange={(e) => setNote(e.target.value)} autoSize={{ minRows: 2, maxRows: 5 }} count={{ show: true, max: 1000 }} placeholder={r.decisionNotePlaceholder} data-testid="decision-note" />
          </Form.Item>
        </Form>
        {shortages ? (
          <ShortageList shortages={shortages} />
        ) : (
          error !== null && <Alert type="error" showIcon title={error instanceof ProblemError ? (error.problem.detail ?? error.problem.title) : t.errors.network} />
        )}
      </Flex>
    </Modal>
  );
}

/**
 * Restore requests: approvers (restore_requests.approve) see and decide every request; requesters see the
 * ones they made and what became of them.
 */
export default function RestoreRequestsPage() {
  const t = useT();
  const r = t.deletion.requests;
  const me = useMe();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const canApprove = hasPermission(me, 'restore_requests.approve');
  const [params, setParams] = useSearchParams();
  const statusParam = params.get('status');
  // Approvers land on their work queue; requesters on everything they asked for.
  const status: RequestStatus | 'all' = (RESTORE_REQUEST_STATUSES as readonly string[]).includes(statusParam ?? '') ? (statusParam as RequestStatus) : statusParam === 'all' || !canApprove ? 'all' : 'pending';
  const [cursors, setCursors] = useState<string[]>([]);
  const [limit, setLimit] = useState(DEFAULT_PAGE_SIZE);
  const [deciding, setDeciding] = useState<{ request: RestoreRequestView; decision: 'approve' | 'reject' } | null>(null);

  const query = useMemo(() => ({ status: status === 'all' ? undefined : status, limit, cursor: cursors[cursors.length - 1] }), [status, limit, cursors]);
  const requests = useQuery({ queryKey: deletionKeys.requests(query), queryFn: ({ signal }) => fetchRestoreRequests(query, signal), placeholderData: keepPreviousData });

  const setStatus = (next: RequestStatus | 'all') => {
    setCursors([]);
    setParams(new URLSearchParams({ status: next }));
  };

  const columns: TableColumnsType<RestoreRequestView> = [
    requestIdColumn(r.id),
    requestStatusColumn<RequestStatus, RestoreRequestView>(r.status, r.statuses, STATUS_COLOURS),
    requestOrdersColumn(r.orders, { width: 240, shown: SHOWN_ORDERS, more: r.more }),
    { key: 'note', title: r.note, dataIndex: 'note', render: (note: string) => <Typography.Paragraph style={{ margin: 0 }} ellipsis={{ rows: 2, tooltip: note }}>{note}</Typography.Paragraph> },
    requestedByColumn(r.requestedBy, (req) => req.createdAt, 170),
    {
      key: 'decision',
      title: r.decision,
      width: 260,
      render: (_, req) =>
        req.status === 'pending' ? (
          canApprove ? (
            <Flex gap={8}>
              <Button size="small" type="primary" icon={<CheckOutlined />} onClick={() => setDeciding({ request: req, decision: 'approve' })} data-testid={`approve-${req.id}`}>
                {r.approve}
              </Button>
              <Button size="small" danger icon={<CloseOutlined />} onClick={() => setDeciding({ request: req, decision: 'reject' })} data-testid={`reject-${req.id}`}>
                {r.reject}
              </Button>
            </Flex>
          ) : (
            <Typography.Text type="secondary">{r.awaiting}</Typography.Text>
          )
        ) : (
          <Flex vertical data-testid={`decision-${req.id}`}>
            <span>{r.decidedBy(req.decidedBy?.name ?? t.deletion.bin.unknownUser, formatDateTime(req.decidedAt))}</span>
            {req.decisionNote && <Typography.Text type="secondary">“{req.decisionNote}”</Typography.Text>}
          </Flex>
        ),
    },
  ];

  const nextCursor = requests.data?.nextCursor ?? null;
  return (
    <div className="section-gap" data-testid="restore-requests">
      <PageHeader title={r.title} subtitle={canApprove ? r.subtitleApprover : r.subtitleRequester} />
      {canApprove && <Alert type="info" showIcon title={r.help} />}
      <Card variant="borderless" styles={{ body: { padding: 0 } }}>
        <Flex justify="space-between" align="center" gap={12} wrap style={{ padding: '12px 16px' }}>
          <Segmented<RequestStatus | 'all'>
            value={status}
            onChange={setStatus}
            options={[...RESTORE_REQUEST_STATUSES.map((s) => ({ value: s, label: r.statuses[s] })), { value: 'all' as const, label: r.all }]}
            data-testid="request-status-filter"
          />
          <Flex align="center" gap={8}>
            <Button size="small" icon={<ReloadOutlined />} onClick={() => requests.refetch()} loading={requests.isFetching} aria-label={t.common.refresh} title={t.common.refresh} />
            <CursorPager
              page={cursors.length + 1}
              hasNext={nextCursor !== null}
              limit={limit}
              loading={requests.isFetching}
              onFirst={() => setCursors([])}
              onPrevious={() => setCursors((c) => c.slice(0, -1))}
              onNext={() => nextCursor && setCursors((c) => [...c, nextCursor])}
              onLimitChange={(n) => {
                setLimit(n);
                setCursors([]);
              }}
            />
          </Flex>
        </Flex>
        {requests.isError && !requests.data ? (
          <LoadFailed error={requests.error} onRetry={() => requests.refetch()} />
        ) : (
          <Table<RestoreRequestView>
            rowKey="id"
            size="middle"
            data-testid="restore-requests-table"
            columns={columns}
            dataSource={requests.data?.items ?? []}
            loading={requests.isFetching}
            pagination={false}
            scroll={{ x: 1100 }}
            locale={{ emptyText: requests.isPending ? <div style={{ height: 120 }} /> : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={r.empty} /> }}
          />
        )}
      </Card>
      {deciding && (
        <DecideDialog
          request={deciding.request}
          decision={deciding.decision}
          onClose={() => setDeciding(null)}
          onDecided={() => {
            message.success(deciding.decision === 'approve' ? r.approved : r.rejected);
            setDeciding(null);
            if (deciding.decision === 'approve') invalidateAfterDeletion(queryClient);
            else void queryClient.invalidateQueries({ queryKey: deletionKeys.all });
          }}
        />
      )}
    </div>
  );
}
