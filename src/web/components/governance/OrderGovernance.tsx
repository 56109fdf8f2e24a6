import { LockOutlined, UnlockOutlined } from '@ant-design/icons';
import { useQueryClient } from '@tanstack/react-query';
import { App, Button, Flex, Form, Input, Modal, Popconfirm, Tag, Typography } from 'antd';
import { useState } from 'react';
import { nextStepsOf } from '../../../contracts/governance.js';
import type { OrderView } from '../../../contracts/orders.js';
import { holdOrder, releaseHold, requestApproval } from '../../api/governance.js';
import { ProblemError } from '../../api/http.js';
import { fieldIssueMessage } from '../../api/problem-messages.js';
import { orderKeys } from '../../api/orders.js';
import { Guard } from '../../auth/permissions.js';
import { useT } from '../../i18n/locale.js';
import { useShowError } from '../use-show-error.js';

/** Place or release a legal hold (orders.hold: admins and auditors). */
export function LegalHoldButton({ order }: { order: Pick<OrderView, 'id' | 'legalHold'> }) {
  const t = useT();
  const h = t.governance.hold;
  const { message } = App.useApp();
  const showError = useShowError();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: orderKeys.all });
    void queryClient.invalidateQueries({ queryKey: ['deletion'] });
  };

  const place = async () => {
    setBusy(true);
    setError(null);
    try {
      await holdOrder(order.id, reason);
      setOpen(false);
      message.success(h.held);
      refresh();
    } catch (e) {
      const issue = e instanceof ProblemError ? e.fieldErrors[0] : undefined;
      if (issue) setError(fieldIssueMessage(t, issue));
      else showError(e);
    } finally {
      setBusy(false);
    }
  };

  const release = async () => {
    try {
      await releaseHold(order.id);
      message.success(h.released);
      refresh();
    } catch (e) {
      showError(e);
    }
  };

  return (
    <>
      <Guard permission="orders.hold" whenMissing="hide">
        {order.legalHold ? (
          <Popconfirm title={h.release} description={<div style={{ maxWidth: 280 }}>{h.releaseConfirm}</div>} okText={t.common.yes} cancelText={t.common.no} onConfirm={release}>
            <Button icon={<UnlockOutlined />} data-testid="release-hold">
              {h.release}
            </Button>
          </Popconfirm>
        ) : (
          <Button
            icon={<LockOutlined />}
            onClick={() => {
              setReason('');
              setError(null);
              setOpen(true);
            }}
            data-testid="place-hold"
          >
            {h.place}
          </Button>
        )}
      </Guard>
      <Modal
        open={open}
        title={h.dialogTitle}
        okText={h.place}
        okButtonProps={{ loading: busy, disabled: reason.trim() === '', ...({ 'data-testid': 'confirm-hold' } as object) }}
        cancelText={t.common.cancel}
        onOk={place}
        onCancel={() => !busy && setOpen(false)}
        destroyOnHidden
      >
        <Flex vertical gap={12}>
          <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
            {h.dialogBody}
          </Typography.Paragraph>
          <Form layout="vertical">
            <Form.Item label={h.reason} required validateStatus={error ? 'error' : undefined} help={error ?? undefined} style={{ marginBottom: 0 }}>
              <Input.TextArea value={reason} onChange={(e) => setReason(e.target.value)} maxLength={1000} autoSize={{ minRows: 2, maxRows: 4 }} placeholder={h.reasonPlaceholder} data-testid="hold-reason" />
            </Form.Item>
          </Form>
        </Flex>
      </Modal>
    </>
  );
}

/** "Next step: ship the goods — Warehouse": who the order waits for (sales confirms, warehouse ships, finance records payment). */
export function NextStepTags({ order }: { order: Pick<OrderView, 'status' | 'total' | 'paid'> }) {
  const t = useT();
  const p = t.governance.process;
  const steps = nextStepsOf(order);
  return (
    <Flex gap={6} align="center" wrap data-testid="next-step">
      <Typography.Text type="secondary">{p.nextStep}:</Typography.Text>
      {steps.length === 0 ? (
        <Typography.Text type="secondary">{p.done}</Typography.Text>
      ) : (
        steps.map((s) => (
          <Tag key={s.step} color={TEAM_COLOURS[s.responsible]} data-responsible={s.responsible}>
            {p.steps[s.step]} · {p.teams[s.responsible]}
          </Tag>
        ))
      )}
    </Flex>
  );
}
const TEAM_COLOURS = { sales: 'blue', warehouse: 'orange', finance: 'green' } as const;

/**
 * After a confirm refused with `approval-required`: offers to ask the managers (SPEC §5 standard process).
 * Returns false when the error is something else, for the caller's usual handling.
 */
export function useApprovalPrompt(): (error: unknown, orderId: string) => boolean {
  const t = useT();
  const { modal, message } = App.useApp();
  const showError = useShowError();
  return (error, orderId) => {
    if (!(error instanceof ProblemError) || !String(error.problem.type).endsWith('/approval-required')) return false;
    const p = t.governance.process;
    modal.confirm({
      title: (t.problems.byStatus as Record<number, string>)[409],
      content: p.approvalNeeded(typeof error.problem.threshold === 'string' ? error.problem.threshold : ''),
      okText: p.requestApproval,
      cancelText: t.common.cancel,
      okButtonProps: { 'data-testid': 'request-approval' },
      onOk: async () => {
        try {
          await requestApproval(orderId);
          message.success(p.approvalRequested);
        } catch (e) {
          showError(e);
        }
      },
    });
    return true;
  };
}
