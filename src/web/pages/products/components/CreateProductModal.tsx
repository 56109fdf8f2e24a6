import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App, Col, Form, Input, InputNumber, Modal, Row } from 'antd';
import { CreateProductInput } from '../../../../contracts/products.js';
import { createProduct, productKeys } from '../../../api/products.js';
import { useShowError } from '../../../components/use-show-error.js';
import { clearIssuesOnChange, checkWithSchema } from '../../../forms/schema-errors.js';
import { UnplacedIssues, useFieldIssues } from '../../../forms/use-field-issues.js';
import { useT } from '../../../i18n/locale.js';

const FIELDS = ['sku', 'name', 'price', 'stock'] as const;
type Values = { sku?: string; name?: string; price?: string; stock?: number | null };

export function CreateProductModal({ open, onClose }: { open: boolean; onClose(): void }) {
  const t = useT();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const showError = useShowError();
  const [form] = Form.useForm<Values>();
  const issues = useFieldIssues(form, FIELDS);

  const create = useMutation({
    mutationFn: createProduct,
    onSuccess: (product) => {
      void queryClient.invalidateQueries({ queryKey: productKeys.all });
      message.success(t.products.created(product.sku));
      onClose();
    },
    onError: (error) => {
      if (!issues.placeError(error)) showError(error);
    },
  });

  function submit(values: Values) {
    issues.clear();
    const check = checkWithSchema(CreateProductInput, { ...values, stock: values.stock ?? undefined });
    if (!check.ok) return issues.place(check.issues);
    create.mutate(check.data);
  }

  return (
    <Modal
      open={open}
      title={t.products.newProduct}
      okText={t.common.create}
      cancelText={t.common.cancel}
      onOk={() => form.submit()}
      onCancel={onClose}
      confirmLoading={create.isPending}
      destroyOnHidden
    >
      <UnplacedIssues issues={issues.unplaced} />
      <Form form={form} onValuesChange={clearIssuesOnChange(form)} layout="vertical" onFinish={submit} preserve={false} initialValues={{ stock: 0 }} style={{ marginTop: 8 }}>
        <Row gutter={16}>
          <Col span={10}>
            <Form.Item name="sku" label={t.products.sku} required>
              <Input count={{ show: true, max: 64 }} autoFocus placeholder="TEA-001" />
            </Form.Item>
          </Col>
          <Col span={14}>
            <Form.Item name="name" label={t.products.name} required>
              <Input count={{ show: true, max: 200 }} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="price" label={t.products.price} required>
              <Input inputMode="decimal" placeholder="0.00" style={{ textAlign: 'right' }} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="stock" label={t.products.initialStock}>
              <InputNumber<number> style={{ width: '100%' }} />
            </Form.Item>
          </Col>
        </Row>
      </Form>
    </Modal>
  );
}
