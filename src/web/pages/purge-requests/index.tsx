import { CheckOutlined, CloseOutlined } from '@ant-design/icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Empty, Flex, Form, Input, Modal, Segmented, Table, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { PURGE_REQUEST_STATUSES, type PurgeRequestView } from '../../../contracts/governance.js';
import { decidePurgeRequest, fetchPurgeRequests } from '../../api/governance.js';
import { ProblemError } from '../../api/http.js';
import { describeProblem } from '../../api/problem-messages.js';
import { hasPermission } from '../../auth/permissions.js';
import { useMe } from '../../auth/session.js';
import { invalidateAfterDeletion } from '../../components/deletion/use-undo-notice.js';
import { LoadFailed } from '../../components/LoadFailed.js';
import { RequireAccess } from '../../components/NoAccess.js';
import { requestedByColumn, requestIdColumn, requestOrdersColumn, requestStatusColumn } from '../../components/requests/request-columns.js';
import { PageHeader } from '../../components/PageHeader.js';
import { useT } from '../../i18n/locale.js';

type Status = PurgeRequestView['status'];
const COLOURS: Record<Status, string> = { pending: 'gold', approved: 'red', rejected: 'default' };

/** Approve (purge now, after the step-up prompt) or reject, with an optional note. */
function DecideDialog({ request, decision, onClose, onDecided }: { request: PurgeRequestView; decision: 'approve' | 'reject'; onClose(): void; onDecided(view: PurgeRequestView): void }) {
  const t = useT();
  const p = t.governance.purgeRequests;
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const decide = async () => {
    setBusy(true);
    setError(null);
    try {
      onDecided(await decidePurgeRequest(request.id, decision, note.trim() || undefined));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open
      title={decision === 'approve' ? p.approve : p.reject}
      okText={decision === 'approve' ? p.approve : p.reject}
      okButtonProps={{ loading: busy, danger: decision === 'approve', ...({ 'data-testid': 'confirm-purge-decision' } as object) }}
      cancelText={t.common.cancel}
      onOk={decide}
      onCancel={() => !busy && onClose()}
      maskClosable={false}
      width={560}
      data-testid="purge-decision-dialog"
    >
      <Flex vertical gap={12}>
        {decision === 'approve' && <Alert type="error" showIcon title={p.approveConfirm(request.orders.length)} />}
        <div>
          {request.orders.map((o) => (
            <span key={o.id} className="order-number" style={{ marginInlineEnd: 10 }}>
              {o.number}
            </span>
          ))}
        </div>
        <Form layout="vertical">
          <Form.Item label={p.rejectNote} style={{ marginBottom: 0 }}>
            <Input.TextArea value={note} onChange={(e) => setNote(e.target.value)} autoSize={{ minRows: 2, maxRows: 4 }} maxLength={1000} />
          </Form.Item>
        </Form>
        {error !== null && (
          <Alert type="error" showIcon title={error instanceof ProblemError ? describeProblem(t, error.status, error.problem).description : t.errors.network} data-testid="purge-decision-error" />
        )}
      </Flex>
    </Modal>
  );
}

/** Four-eyes purge (SPEC §5): the requests one admin filed, for another admin to approve or reject. */
export default function PurgeRequestsPage() {
  return (
    <RequireAccess allowed={(me) => hasPermission(me, 'orders.purge')} permissions={['orders.purge']}>
      <PurgeRequests />
    </RequireAccess>
  );
}

function PurgeRequests() {
  const t = useT();
  const p = t.governance.purgeRequests;
  const me = useMe();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<Status | 'all'>('pending');
  const [deciding, setDeciding] = useState<{ request: PurgeRequestView; decision: 'approve' | 'reject' } | null>(null);
  const requests = useQuery({ queryKey: ['purge-requests', status], queryFn: () => fetchPurgeRequests(status === 'all' ? undefined : status) });

  const columns: TableColumnsType<PurgeRequestView> = [
    requestIdColumn('#', 70),
    requestStatusColumn<Status, PurgeRequestView>(p.statusLabel, p.status, COLOURS),
    requestOrdersColumn(p.orders),
    requestedByColumn(p.requestedBy, (r) => r.requestedAt),
    {
      key: 'decided',
      title: p.decidedBy,
      width: 180,
      render: (_, r) =>
        r.decidedBy ? (
          <Flex vertical>
            <span>{r.decidedBy.name}</span>
            {r.note && <Typography.Text type="secondary">{r.note}</Typography.Text>}
          </Flex>
        ) : null,
    },
    {
      key: 'actions',
      width: 280,
      render: (_, r) => {
        if (r.status !== 'pending') return null;
        if (r.requestedBy.id === me?.id) return <Typography.Text type="secondary" data-testid="own-request">{p.yours}</Typography.Text>;
        return (
          <Flex gap={8}>
            <Button danger icon={<CheckOutlined />} onClick={() => setDeciding({ request: r, decision: 'approve' })} data-testid={`approve-purge-${r.id}`}>
              {p.approve}
            </Button>
            <Button icon={<CloseOutlined />} onClick={() => setDeciding({ request: r, decision: 'reject' })} data-testid={`reject-purge-${r.id}`}>
              {p.reject}
            </Button>
          </Flex>
        );
      },
    },
  ];

  return (
    <>
      <PageHeader title={p.title} subtitle={p.subtitle} />
      <Card>
        <Flex vertical gap={16}>
          <Segmented<Status | 'all'>
            value={status}
            onChange={setStatus}
            options={[...PURGE_REQUEST_STATUSES.map((s) => ({ value: s, label: p.status[s] })), { value: 'all' as const, label: p.all }]}
          />
          {requests.isError ? (
            <LoadFailed error={requests.error} onRetry={() => void requests.refetch()} />
          ) : (
            <Table<PurgeRequestView>
              rowKey="id"
              columns={columns}
              dataSource={requests.data?.items ?? []}
              loading={requests.isLoading}
              pagination={false}
              locale={{ emptyText: <Empty description={p.empty} /> }}
              data-testid="purge-requests-table"
            />
          )}
        </Flex>
      </Card>
      {deciding && (
        <DecideDialog
          {...deciding}
          onClose={() => setDeciding(null)}
          onDecided={(view) => {
            setDeciding(null);
            message.success(view.status === 'approved' ? p.approved(view.orders.length) : p.rejected);
            invalidateAfterDeletion(queryClient);
            void queryClient.invalidateQueries({ queryKey: ['purge-requests'] });
          }}
        />
      )}
    </>
  );
}
