import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App, Form, Input, Modal } from 'antd';
import { CreateCustomerInput, type CustomerView } from '../../../../contracts/customers.js';
import { createCustomer, customerKeys } from '../../../api/customers.js';
import { useShowError } from '../../../components/use-show-error.js';
import { clearIssuesOnChange, checkWithSchema } from '../../../forms/schema-errors.js';
import { UnplacedIssues, useFieldIssues } from '../../../forms/use-field-issues.js';
import { useT } from '../../../i18n/locale.js';

const FIELDS = ['name', 'phone', 'email', 'note'] as const;
type Values = { name?: string; phone?: string; email?: string; note?: string };

/** Used by the customers page and, inline, by the order form's customer picker. */
export function CreateCustomerModal({ open, onClose, onCreated }: { open: boolean; onClose(): void; onCreated?(customer: CustomerView): void }) {
  const t = useT();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const showError = useShowError();
  const [form] = Form.useForm<Values>();
  const issues = useFieldIssues(form, FIELDS);

  const create = useMutation({
    mutationFn: createCustomer,
    onSuccess: (customer) => {
      void queryClient.invalidateQueries({ queryKey: customerKeys.all });
      message.success(t.customers.created(customer.name));
      onCreated?.(customer);
      onClose();
    },
    onError: (error) => {
      if (!issues.placeError(error)) showError(error);
    },
  });

  function submit(values: Values) {
    issues.clear();
    const check = checkWithSchema(CreateCustomerInput, values);
    if (!check.ok) return issues.place(check.issues);
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
      <UnplacedIssues issues={issues.unplaced} />
      <Form form={form} onValuesChange={clearIssuesOnChange(form)} layout="vertical" onFinish={submit} preserve={false} style={{ marginTop: 8 }}>
        <Form.Item name="name" label={t.customers.name} required>
          <Input count={{ show: true, max: 200 }} placeholder={t.customers.namePlaceholder} autoFocus />
        </Form.Item>
        <Form.Item name="phone" label={`${t.customers.phone} (${t.common.optional})`}>
          <Input count={{ show: true, max: 24 }} placeholder={t.customers.phonePlaceholder} inputMode="tel" />
        </Form.Item>
        <Form.Item name="email" label={`${t.customers.email} (${t.common.optional})`}>
          <Input count={{ show: true, max: 200 }} placeholder={t.customers.emailPlaceholder} inputMode="email" />
        </Form.Item>
        <Form.Item name="note" label={`${t.customers.note} (${t.common.optional})`}>
          <Input.TextArea count={{ show: true, max: 1000 }} autoSize={{ minRows: 2, maxRows: 5 }} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
