import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Form, Modal } from 'antd';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import type { CustomerView } from '../../../../contracts/customers.js';
import { customerKeys, mergeCustomer } from '../../../api/customers.js';
import { useShowError } from '../../../components/use-show-error.js';
import { useT } from '../../../i18n/locale.js';
import { CustomerSelect } from '../../order-form/components/CustomerSelect.js';

/** Merges the customer on the page (a duplicate) into the one picked here, then opens the survivor. */
export function MergeCustomerModal({ customer, open, onClose }: { customer: CustomerView; open: boolean; onClose(): void }) {
  const t = useT();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const showError = useShowError();
  const [intoId, setIntoId] = useState<string | undefined>();

  const merge = useMutation({
    mutationFn: (target: string) => mergeCustomer(customer.id, target),
    onSuccess: (result) => {
      void queryClient.invalidateQueries({ queryKey: customerKeys.all });
      void queryClient.invalidateQueries({ queryKey: ['orders'] });
      message.success(t.crm.customer.merged(result.movedOrders));
      onClose();
      void navigate(`/customers/${result.customer.id}`);
    },
    onError: showError,
  });

  return (
    <Modal
      open={open}
      title={t.crm.customer.mergeTitle}
      okText={t.crm.customer.mergeConfirm}
      okButtonProps={{ danger: true, disabled: !intoId || intoId === customer.id }}
      cancelText={t.common.cancel}
      onOk={() => intoId && merge.mutate(intoId)}
      onCancel={onClose}
      confirmLoading={merge.isPending}
      destroyOnHidden
      data-testid="merge-customer-modal"
    >
      <Alert type="warning" showIcon title={t.crm.customer.mergeHelp} style={{ marginBottom: 16 }} />
      <Form layout="vertical">
        <Form.Item label={t.crm.customer.mergeInto} htmlFor="merge-into">
          <CustomerSelect id="merge-into" value={intoId} onChange={setIntoId} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
