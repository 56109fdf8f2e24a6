import { DollarOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App, Button, Form, Input, Modal, Typography } from 'antd';
import { useState } from 'react';
import { fromMinor, toMinor } from '../../../../contracts/common.js';
import { PaymentInput, type OrderView } from '../../../../contracts/orders.js';
import { ProblemError } from '../../../api/http.js';
import { orderKeys, recordPayment } from '../../../api/orders.js';
import { Guard } from '../../../auth/permissions.js';
import { formatMoney } from '../../../components/Money.js';
import { useShowError } from '../../../components/use-show-error.js';
import { clearIssuesOnChange, checkWithSchema, issuesFromServer, showFieldIssues } from '../../../forms/schema-errors.js';
import { useT } from '../../../i18n/locale.js';

const PAYABLE = ['confirmed', 'shipped', 'completed'];

/** Finance records what the customer paid; offered while something is outstanding on a confirmed order. */
export function PaymentButton({ order }: { order: OrderView }) {
  const t = useT();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const showError = useShowError();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<{ amount: string; note?: string }>();
  const outstanding = toMinor(order.total) - toMinor(order.paid);

  const pay = useMutation({
    mutationFn: (input: { amount: string; note?: string }) => recordPayment(order.id, input),
    onSuccess: (updated) => {
      queryClient.setQueryData(orderKeys.detail(order.id), updated);
      void queryClient.invalidateQueries({ queryKey: orderKeys.all });
      message.success(t.order.paymentRecorded);
      setOpen(false);
    },
    onError: (error) => {
      if (error instanceof ProblemError && error.fieldErrors.length) showFieldIssues(form, issuesFromServer(error.fieldErrors), t, ['amount', 'note']);
      else showError(error);
    },
  });

  if (!PAYABLE.includes(order.status) || outstanding <= 0) return null;

  function submit(values: { amount: string; note?: string }) {
    const check = checkWithSchema(PaymentInput, values);
    if (!check.ok) return void showFieldIssues(form, check.issues, t, ['amount', 'note']);
    pay.mutate(check.data);
  }

  return (
    <>
      <Guard permission="finance.manage">
        <Button icon={<DollarOutlined />} onClick={() => setOpen(true)} data-testid="record-payment">
          {t.order.recordPayment}
        </Button>
      </Guard>
      <Modal
        open={open}
        title={`${t.order.recordPayment} · ${order.number}`}
        okText={t.order.recordPayment}
        cancelText={t.common.cancel}
        onCancel={() => setOpen(false)}
        onOk={() => form.submit()}
        confirmLoading={pay.isPending}
        destroyOnHidden
      >
        <Typography.Paragraph type="secondary">
          {t.order.outstanding}: <span className="money">{formatMoney(fromMinor(outstanding))}</span>
        </Typography.Paragraph>
        <Form form={form} onValuesChange={clearIssuesOnChange(form)} layout="vertical" onFinish={submit} initialValues={{ amount: fromMinor(outstanding) }} preserve={false}>
          <Form.Item name="amount" label={t.order.paymentAmount} required>
            <Input inputMode="decimal" style={{ textAlign: 'right' }} autoFocus />
          </Form.Item>
          <Form.Item name="note" label={`${t.common.note} (${t.common.optional})`}>
            <Input count={{ show: true, max: 500 }} />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
