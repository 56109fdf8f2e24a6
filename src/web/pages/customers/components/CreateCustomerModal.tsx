import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App, Alert, Form, Input, Modal } from 'antd';
import { useState } from 'react';
import { CreateCustomerInput, type CustomerView } from '../../../../contracts/customers.js';
import { createCustomer, customerKeys } from '../../../api/customers.js';
import { ProblemError } from '../../../api/http.js';
import { useShowError } from '../../../components/use-show-error.js';
import { clearIssuesOnChange, checkWithSchema, issuesFromServer, showFieldIssues, type FieldIssue } from '../../../forms/schema-errors.js';
import { translateMessage, useT } from '../../../i18n/locale.js';

const FIELDS = ['name', 'phone', 'email', 'note'] as const;
type Values = { name?: string; phone?: string; email?: string; note?: string };

/** Used by the customers page and, inline, by the order form's customer picker. */
export function CreateCustomerModal({ open, onClose, onCreated }: { open: boolean; onClose(): void; onCreated?(customer: CustomerView): void }) {
  const t = useT();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const showError = useShowError();
  const [form] = Form.useForm<Values>();
  const [unplaced, setUnplaced] = useState<FieldIssue[]>([]);

  const create = useMutation({
    mutationFn: createCustomer,
    onSuccess: (customer) => {
      void queryClient.invalidateQueries({ queryKey: customerKeys.all });
      message.success(t.customers.created(customer.name));
      onCreated?.(customer);
      onClose();
    },
    onError: (error) => {
      if (error instanceof ProblemError && error.fieldErrors.length) setUnplaced(showFieldIssues(form, issuesFromServer(error.fieldErrors), t, FIELDS));
      else showError(error);
    },
  });

  function submit(values: Values) {
    setUnplaced([]);
    const check = checkWithSchema(CreateCustomerInput, values);
    if (!check.ok) return void setUnplaced(showFieldIssues(form, check.issues, t, FIELDS));
    create.mutate(check.data);
  }

  return (
    <Modal
      open={open}
      title={t.customers.newCustomer}
      okText={t.common.create}
      cancelText={t.common.cancel}
      onOk={() => form.submit()}
      onCancel={onClose}
      confirmLoading={create.isPending}
      destroyOnHidden
      data-testid="create-customer-modal"
    >
      {unplaced.length > 0 && <Alert type="error" showIcon style={{ marginBottom: 16 }} title={unplaced.map((i) => translateMessage(t, i.message)).join('; ')} />}
      <Form form={form} onValuesChange={clearIssuesOnChange(form)} layout="vertical" onFinish={submit} preserve={false} style={{ marginTop: 8 }}>
        <Form.Item name="name" label={t.customers.name} required>
          <Input maxLength={200} placeholder={t.customers.namePlaceholder} autoFocus />
        </Form.Item>
        <Form.Item name="phone" label={`${t.customers.phone} (${t.common.optional})`}>
          <Input maxLength={24} placeholder={t.customers.phonePlaceholder} inputMode="tel" />
        </Form.Item>
        <Form.Item name="email" label={`${t.customers.email} (${t.common.optional})`}>
          <Input maxLength={200} placeholder={t.customers.emailPlaceholder} inputMode="email" />
        </Form.Item>
        <Form.Item name="note" label={`${t.customers.note} (${t.common.optional})`}>
          <Input.TextArea maxLength={1000} autoSize={{ minRows: 2, maxRows: 5 }} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
