import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Form, Input, InputNumber, Modal, Segmented, Typography } from 'antd';
import { StockChangeInput } from '../../../../contracts/inventory.js';
import { ProblemError } from '../../../api/http.js';
import { productKeys } from '../../../api/products.js';
import { changeStock, stockKeys } from '../../../api/stock.js';
import { useShowError } from '../../../components/use-show-error.js';
import { clearIssuesOnChange, checkWithSchema } from '../../../forms/schema-errors.js';
import { UnplacedIssues, useFieldIssues } from '../../../forms/use-field-issues.js';
import { useT } from '../../../i18n/locale.js';

export type StockChangeKind = 'adjust' | 'receive';
type Values = { kind: StockChangeKind; quantity?: number | null; reason?: string };
const FIELDS = ['kind', 'quantity', 'reason'] as const;

type Figures = { onHand: number; reserved: number; available: number };

/** "Adjust stock" (signed correction) or "Receive goods" (positive), always with a reason; the journal keeps both. */
export function StockChangeModal({ product, kind, onClose }: { product: { id: string; sku: string; name: string; stock: Figures } | null; kind: StockChangeKind; onClose(): void }) {
  const t = useT();
  const s = t.reports.stock;
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const showError = useShowError();
  const [form] = Form.useForm<Values>();
  const issues = useFieldIssues(form, FIELDS);
  const chosenKind = Form.useWatch('kind', form) ?? kind;
  const quantity = Form.useWatch('quantity', form);

  const save = useMutation({
    mutationFn: (input: StockChangeInput) => changeStock(product!.id, input),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: stockKeys.all });
      void queryClient.invalidateQueries({ queryKey: productKeys.all });
      message.success(s.saved(product!.sku));
      onClose();
    },
    onError: (error) => {
      if (!issues.placeError(error) || (error instanceof ProblemError && error.code === 'below_reserved')) showError(error);
    },
  });

  function submit(values: Values) {
    issues.clear();
    const check = checkWithSchema(StockChangeInput, { ...values, quantity: values.quantity ?? undefined });
    if (!check.ok) return issues.place(check.issues);
    save.mutate(check.data);
  }

  const stock: Figures | undefined = product?.stock;
  const delta = typeof quantity === 'number' && Number.isFinite(quantity) ? quantity : 0;
  return (
    <Modal
      open={product !== null}
      title={product ? `${chosenKind === 'receive' ? s.receive : s.adjust} · ${product.sku}` : ''}
      okText={chosenKind === 'receive' ? s.receive : s.adjust}
      cancelText={t.common.cancel}
      onOk={() => form.submit()}
      onCancel={onClose}
      confirmLoading={save.isPending}
      destroyOnHidden
      data-testid="stock-change-modal"
    >
      <Alert type="info" showIcon style={{ marginBottom: 16 }} title={chosenKind === 'receive' ? s.receiveHelp : s.adjustHelp} />
      <UnplacedIssues issues={issues.unplaced} />
      <Form form={form} layout="vertical" onFinish={submit} onValuesChange={clearIssuesOnChange(form)} initialValues={{ kind }} preserve={false}>
        <Form.Item name="kind" label={s.kind}>
          <Segmented<StockChangeKind>
            options={[
              { value: 'adjust', label: s.adjust },
              { value: 'receive', label: s.receive },
            ]}
          />
        </Form.Item>
        <Form.Item name="quantity" label={s.quantity} required>
          <InputNumber<number> style={{ width: '100%' }} precision={0} placeholder={chosenKind === 'receive' ? '10' : s.quantityAdjustPlaceholder} autoFocus data-testid="stock-quantity" />
        </Form.Item>
        <Form.Item name="reason" label={s.reason} required>
          <Input.TextArea rows={2} count={{ show: true, max: 500 }} placeholder={chosenKind === 'receive' ? s.reasonPlaceholderReceive : s.reasonPlaceholderAdjust} data-testid="stock-reason" />
        </Form.Item>
      </Form>
      {stock && (
        <Typography.Paragraph type="secondary" style={{ margin: 0 }} className="num">
          {s.current(stock.onHand, stock.reserved, stock.available)}
          {delta !== 0 && (
            <>
              <br />
              <Typography.Text strong type={stock.available + delta < 0 ? 'danger' : undefined}>
                {s.after(stock.onHand + delta, stock.available + delta)}
              </Typography.Text>
            </>
          )}
        </Typography.Paragraph>
      )}
    </Modal>
  );
}
