import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App, Form, Input, Modal } from 'antd';
import { UpdateCustomerInput, type CustomerView } from '../../../../contracts/customers.js';
import { customerKeys, updateCustomer } from '../../../api/customers.js';
import { useShowError } from '../../../components/use-show-error.js';
import { clearIssuesOnChange, checkWithSchema } from '../../../forms/schema-errors.js';
import { UnplacedIssues, useFieldIssues } from '../../../forms/use-field-issues.js';
import { useT } from '../../../i18n/locale.js';

const FIELDS = ['name', 'phone', 'email', 'note'] as const;
type Values = { name?: string; phone?: string; email?: string; note?: string };

/** Over-long text is not cut: the counter turns red and the schema's message says how long it may be. */
const counted = (max: number) => ({ show: true, max });

export function EditCustomerModal({ customer, open, onClose }: { customer: CustomerView; open: boolean; onClose(): void }) {
  const t = useT();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const showError = useShowError();
  const [form] = Form.useForm<Values>();
  const issues = useFieldIssues(form, FIELDS);

  const save = useMutation({
    mutationFn: (input: UpdateCustomerInput) => updateCustomer(customer.id, customer.version, input),
    onSuccess: (saved) => {
      queryClient.setQueryData(customerKeys.one(customer.id), saved);
      void queryClient.invalidateQueries({ queryKey: customerKeys.all });
      message.success(t.crm.customer.saved);
      onClose();
    },
    onError: (error) => {
      if (!issues.placeError(error)) showError(error);
    },
  });

  function submit(values: Values) {
    issues.clear();
    const check = checkWithSchema(UpdateCustomerInput, { name: values.name ?? '', phone: values.phone?.trim() ? values.phone : null, email: values.email?.trim() ? values.email : null, note: values.note?.trim() ? values.note : null });
    if (!check.ok) return issues.place(check.issues);
    save.mutate(check.data);
  }

  return (
    <Modal
      open={open}
      title={t.crm.customer.editTitle}
      okText={t.crm.account.save}
      cancelText={t.common.cancel}
      onOk={() => form.submit()}
      onCancel={onClose}
      confirmLoading={save.isPending}
      destroyOnHidden
      data-testid="edit-customer-modal"
    >
      <UnplacedIssues issues={issues.unplaced} />
      <Form
        form={form}
        onValuesChange={clearIssuesOnChange(form)}
        layout="vertical"
        onFinish={submit}
        preserve={false}
        initialValues={{ name: customer.name, phone: customer.phone ?? '', email: customer.email ?? '', note: customer.note ?? '' }}
        style={{ marginTop: 8 }}
      >
        <Form.Item name="name" label={t.customers.name} required>
          <Input count={counted(200)} autoFocus />
        </Form.Item>
        <Form.Item name="phone" label={`${t.customers.phone} (${t.common.optional})`}>
          <Input count={counted(24)} inputMode="tel" />
        </Form.Item>
        <Form.Item name="email" label={`${t.customers.email} (${t.common.optional})`}>
          <Input count={counted(200)} inputMode="email" />
        </Form.Item>
        <Form.Item name="note" label={`${t.customers.note} (${t.common.optional})`}>
          <Input.TextArea count={counted(1000)} autoSize={{ minRows: 2, maxRows: 5 }} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
