import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Form, Input, Modal, Typography } from 'antd';
import { useState } from 'react';
import type { CustomerView } from '../../../../contracts/customers.js';
import { customerKeys, eraseCustomer } from '../../../api/customers.js';
import { useShowError } from '../../../components/use-show-error.js';
import { useT } from '../../../i18n/locale.js';

/**
 * Personal-data erasure: says what happens, asks for the id or name typed, then erases. The server asks for a
 * recent step-up; the HTTP client's step-up prompt opens over this dialog and the request is sent again.
 */
export function EraseCustomerModal({ customer, open, onClose }: { customer: CustomerView; open: boolean; onClose(): void }) {
  const t = useT();
  const c = t.crm.customer;
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const showError = useShowError();
  const [confirm, setConfirm] = useState('');
  const typed = confirm.trim();
  const matches = typed === customer.id || typed === customer.name;

  const erase = useMutation({
    mutationFn: () => eraseCustomer(customer.id, typed),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: customerKeys.all });
      void queryClient.invalidateQueries({ queryKey: ['orders'] });
      message.success(c.erasedDone);
      onClose();
    },
    onError: showError,
  });

  return (
    <Modal
      open={open}
      title={c.eraseTitle}
      okText={c.eraseConfirm}
      okButtonProps={{ danger: true, disabled: !matches, ...({ 'data-testid': 'erase-customer-confirm' } as object) }}
      cancelText={t.common.cancel}
      onOk={() => erase.mutate()}
      onCancel={onClose}
      confirmLoading={erase.isPending}
      destroyOnHidden
      data-testid="erase-customer-modal"
    >
      <Alert type="error" showIcon title={c.eraseIntro} style={{ marginBottom: 12 }} />
      <ul style={{ paddingInlineStart: 20, marginTop: 0 }}>
        {c.eraseWhat.map((line) => (
          <li key={line}>
            <Typography.Text>{line}</Typography.Text>
          </li>
        ))}
      </ul>
      <Form layout="vertical" onFinish={() => matches && erase.mutate()}>
        <Form.Item label={c.eraseConfirmLabel(customer.id)} htmlFor="erase-confirm" style={{ marginBottom: 0 }}>
          <Input id="erase-confirm" value={confirm} onChange={(e) => setConfirm(e.target.value)} autoComplete="off" data-testid="erase-customer-input" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
