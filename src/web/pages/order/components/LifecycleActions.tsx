import { CheckCircleOutlined, CloseCircleOutlined, EditOutlined, FlagOutlined, SendOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App, Button, Popconfirm } from 'antd';
import type { ReactNode } from 'react';
import { useNavigate } from 'react-router';
import { TRANSITION_NAMES, TRANSITIONS, type OrderView, type Transition } from '../../../../contracts/orders.js';
import type { Permission } from '../../../../contracts/permissions.js';
import { ProblemError } from '../../../api/http.js';
import { orderKeys, transitionOrder } from '../../../api/orders.js';
import { Guard, usePermission } from '../../../auth/permissions.js';
import { useShowError } from '../../../components/use-show-error.js';
import { useApprovalPrompt } from '../../../components/governance/OrderGovernance.js';
import { useT } from '../../../i18n/locale.js';
import { PaymentButton } from './PaymentButton.js';

/**
 * Confirming and cancelling are sales steps (orders.update, own orders for a sales rep); shipping and
 * completing are the warehouse's (inventory.manage) and are not offered at all to other roles.
 */
const TRANSITION_UI: Record<Transition, { permission: Permission; whenMissing: 'hide' | 'disable'; icon: ReactNode; danger?: boolean; primary?: boolean }> = {
  confirm: { permission: 'orders.update', whenMissing: 'disable', icon: <CheckCircleOutlined />, primary: true },
  ship: { permission: 'inventory.manage', whenMissing: 'hide', icon: <SendOutlined />, primary: true },
  complete: { permission: 'inventory.manage', whenMissing: 'hide', icon: <FlagOutlined />, primary: true },
  cancel: { permission: 'orders.update', whenMissing: 'disable', icon: <CloseCircleOutlined />, danger: true },
};

export function availableTransitions(order: Pick<OrderView, 'status'>): Transition[] {
  return TRANSITION_NAMES.filter((name) => (TRANSITIONS[name].from as readonly string[]).includes(order.status));
}

export function LifecycleActions({ order, onStale }: { order: OrderView; onStale(): void }) {
  const t = useT();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const showError = useShowError();
  const approvalPrompt = useApprovalPrompt();

  const run = useMutation({
    mutationFn: (transition: Transition) => transitionOrder(order.id, order.version, transition),
    onSuccess: (updated, transition) => {
      queryClient.setQueryData(orderKeys.detail(order.id), updated);
      // Stock, ledger and every list showing this order moved with it.
      void queryClient.invalidateQueries({ queryKey: orderKeys.all });
      void queryClient.invalidateQueries({ queryKey: ['products'] });
      message.success(t.transitionDone[transition]);
    },
    onError: (error) => {
      if (error instanceof ProblemError && error.status === 412) onStale();
      else if (!approvalPrompt(error, order.id)) showError(error);
    },
  });

  const record = { ownerId: order.ownerId };
  return (
    <>
      {order.status === 'draft' && (
        <Guard permission="orders.update" record={record}>
          <Button icon={<EditOutlined />} onClick={() => navigate(`/orders/${order.id}/edit`)} data-testid="edit-order">
            {t.common.edit}
          </Button>
        </Guard>
      )}
      <PaymentButton order={order} />
      {availableTransitions(order).map((transition) => (
        <TransitionButton key={transition} transition={transition} record={record} pending={run.isPending && run.variables === transition} onRun={() => run.mutateAsync(transition).catch(() => undefined)} />
      ))}
    </>
  );
}

function TransitionButton({ transition, record, pending, onRun }: { transition: Transition; record: { ownerId: string }; pending: boolean; onRun(): Promise<unknown> }) {
  const t = useT();
  const ui = TRANSITION_UI[transition];
  const scopedRecord = ui.permission === 'orders.update' ? record : undefined;
  const allowed = usePermission(ui.permission, scopedRecord).allowed;
  const button = (
    <Button icon={ui.icon} type={ui.primary ? 'primary' : 'default'} danger={ui.danger} loading={pending} data-testid={`action-${transition}`}>
      {t.transitions[transition]}
    </Button>
  );
  return (
    <Guard permission={ui.permission} record={scopedRecord} whenMissing={ui.whenMissing}>
      {/* Without the permission the Guard disables the bare button; a Popconfirm would still open. */}
      {allowed ? (
        <Popconfirm
          title={t.transitions[transition]}
          description={<div style={{ maxWidth: 280 }}>{t.transitionPrompts[transition]}</div>}
          okText={t.common.yes}
          cancelText={t.common.no}
          okButtonProps={{ danger: ui.danger }}
          onConfirm={onRun}
        >
          {button}
        </Popconfirm>
      ) : (
        button
      )}
    </Guard>
  );
}
