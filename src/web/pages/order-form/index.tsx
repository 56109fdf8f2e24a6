import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Col, Flex, Form, Input, InputNumber, Result, Row, Tooltip, Typography } from 'antd';
import { useCallback, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { fromMinor, NonNegativeMoney, toMinor } from '../../../contracts/common.js';
import type { CustomerView } from '../../../contracts/customers.js';
import { CreateOrderInput, UpdateOrderInput, type OrderView } from '../../../contracts/orders.js';
import type { ProductView } from '../../../contracts/products.js';
import { ProblemError } from '../../api/http.js';
import { createOrder, fetchOrder, orderKeys, updateOrder } from '../../api/orders.js';
import { Guard, usePermission, useVerdictText } from '../../auth/permissions.js';
import { LoadFailed } from '../../components/LoadFailed.js';
import { formatMoney } from '../../components/Money.js';
import { PageHeader } from '../../components/PageHeader.js';
import { PageSpinner } from '../../components/PageSpinner.js';
import { useShowError } from '../../components/use-show-error.js';
import { clearIssuesOnChange, checkWithSchema, issuesFromServer, showFieldIssues, type FieldIssue } from '../../forms/schema-errors.js';
import { fieldIssueMessage } from '../../api/problem-messages.js';
import { useT } from '../../i18n/locale.js';
import { CreateCustomerModal } from '../customers/components/CreateCustomerModal.js';
import { CustomerSelect } from './components/CustomerSelect.js';
import { ProductSelect, type KnownProduct } from './components/ProductSelect.js';

interface LineValues {
  productId?: string;
  quantity?: number | null;
  unitPrice?: string;
}
interface OrderFormValues {
  customerId?: string;
  items?: LineValues[];
  note?: string;
}

const FORM_FIELDS = ['customerId', 'items', 'note'] as const;
const EMPTY_LINE: LineValues = { quantity: 1 };

/** The request body the shared schemas check: blank unit prices mean "use the list price". */
function toInput(values: OrderFormValues) {
  return {
    customerId: values.customerId,
    items: (values.items ?? []).map((line) => ({
      productId: line.productId,
      quantity: line.quantity ?? undefined,
      unitPrice: line.unitPrice?.trim() ? line.unitPrice.trim() : undefined,
    })),
    note: values.note,
  };
}

/**
 * A line's total in minor units, or null when it cannot be priced yet. Integer arithmetic only: the
 * preview must agree with what the server will compute.
 */
function lineTotalMinor(line: LineValues | undefined, known: Map<string, KnownProduct>): number | null {
  if (!line?.productId || !line.quantity || !Number.isInteger(line.quantity) || line.quantity <= 0) return null;
  const typed = line.unitPrice?.trim();
  if (typed) return NonNegativeMoney.safeParse(typed).success ? toMinor(typed) * line.quantity : null;
  const listPrice = known.get(line.productId)?.price;
  return listPrice === undefined ? null : toMinor(listPrice) * line.quantity;
}

function initialValues(order: OrderView | undefined): OrderFormValues {
  if (!order) return { items: [EMPTY_LINE] };
  return {
    customerId: order.customer.id,
    // Existing lines keep the price they were entered at.
    items: order.items.map((l) => ({ productId: l.productId, quantity: l.quantity, unitPrice: l.unitPrice })),
    note: order.note ?? '',
  };
}

export default function OrderFormPage() {
  const { id } = useParams();
  const t = useT();
  const order = useQuery({ queryKey: orderKeys.detail(id ?? ''), queryFn: () => fetchOrder(id!), enabled: Boolean(id) });

  if (id && order.isPending) return <PageSpinner />;
  if (id && order.isError) return <LoadFailed error={order.error} onRetry={() => order.refetch()} />;
  if (order.data && order.data.status !== 'draft') {
    return (
      <Result
        status="info"
        title={order.data.number}
        subTitle={t.orderForm.onlyDrafts}
        extra={
          <Link to={`/orders/${order.data.id}`}>
            <Button type="primary">{t.common.back}</Button>
          </Link>
        }
      />
    );
  }
  // Keyed by version: after a reload (412) the form starts again from the current order.
  return <OrderForm key={order.data?.version ?? 'new'} order={order.data} onReload={() => order.refetch()} />;
}

function OrderForm({ order, onReload }: { order?: OrderView; onReload(): void }) {
  const t = useT();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { message } = App.useApp();
  const showError = useShowError();
  const [form] = Form.useForm<OrderFormValues>();
  const [unplaced, setUnplaced] = useState<FieldIssue[]>([]);
  const [customerModal, setCustomerModal] = useState(false);
  const [knownCustomers, setKnownCustomers] = useState<Pick<CustomerView, 'id' | 'name'>[]>(order ? [order.customer] : []);
  const [known, setKnown] = useState(() => new Map<string, KnownProduct>(order?.items.map((l) => [l.productId, { id: l.productId, sku: l.sku, name: l.name }])));
  const permission = usePermission(order ? 'orders.update' : 'orders.create', order ? { ownerId: order.ownerId } : undefined);
  const explain = useVerdictText();
  const lines = Form.useWatch('items', form);

  const rememberProducts = useCallback((products: ProductView[]) => {
    setKnown((previous) => {
      const next = new Map(previous);
      for (const p of products) next.set(p.id, p);
      return next;
    });
  }, []);

  const save = useMutation({
    mutationFn: (input: CreateOrderInput | UpdateOrderInput): Promise<OrderView> =>
      order ? updateOrder(order.id, order.version, input) : createOrder(input as CreateOrderInput),
    onSuccess: (saved) => {
      queryClient.setQueryData(orderKeys.detail(saved.id), saved);
      void queryClient.invalidateQueries({ queryKey: orderKeys.all });
      message.success(order ? t.orderForm.saved(saved.number) : t.orderForm.created(saved.number));
      // The duplicate warning travels to the order page, where the user lands and can compare.
      void navigate(`/orders/${saved.id}`, { state: { warnings: saved.warnings ?? [] } });
    },
    onError: (error) => {
      if (error instanceof ProblemError && error.status === 412) {
        message.warning(t.order.stale, 6);
        onReload();
      } else if (error instanceof ProblemError && error.fieldErrors.length) {
        // A detail the company requires of the customer (`customer.phone`) is shown on the customer field.
        const issues = issuesFromServer(error.fieldErrors).map((i) => (i.path[0] === 'customer' ? { ...i, path: ['customerId'] } : i));
        setUnplaced(showFieldIssues(form, issues, t, FORM_FIELDS));
      } else showError(error);
    },
  });

  function submit(values: OrderFormValues) {
    setUnplaced([]);
    const input = toInput(values);
    // Exactly the schema the server validates with; its issues land on the fields they name.
    const check = order ? checkWithSchema(UpdateOrderInput, { ...input, note: input.note?.trim() ? input.note : null }) : checkWithSchema(CreateOrderInput, input);
    if (!check.ok) {
      setUnplaced(showFieldIssues(form, check.issues, t, FORM_FIELDS));
      message.error(t.orderForm.fixErrors);
      return;
    }
    save.mutate(check.data);
  }

  const lineTotals = (lines ?? []).map((line) => lineTotalMinor(line, known));
  const total = lineTotals.reduce<number>((sum, v) => sum + (v ?? 0), 0);
  const title = order ? t.orderForm.editTitle(order.number) : t.orderForm.newTitle;

  return (
    <div className="section-gap">
      <PageHeader
        crumbs={[{ label: t.nav.orders, to: '/orders' }, ...(order ? [{ label: order.number, to: `/orders/${order.id}` }] : []), { label: order ? t.common.edit : t.orderForm.newTitle }]}
        title={title}
      />
      {!permission.allowed && <Alert type="warning" showIcon title={explain(permission)} />}
      {unplaced.length > 0 && <Alert type="error" showIcon title={unplaced.map((i) => `${i.path.join('.')}: ${fieldIssueMessage(t, i)}`).join('; ')} />}
      <Form<OrderFormValues> form={form} onValuesChange={clearIssuesOnChange(form)} layout="vertical" initialValues={initialValues(order)} onFinish={submit} disabled={!permission.allowed} data-testid="order-form" scrollToFirstError>
        <Card variant="borderless" style={{ marginBottom: 16 }}>
          <Row gutter={16} align="top">
            <Col xs={24} md={16} xl={12}>
              <Form.Item name="customerId" label={t.orderForm.customer} required style={{ marginBottom: 0 }}>
                <CustomerSelect known={knownCustomers} />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Guard permission="orders.create" whenMissing="hide">
                <Button icon={<PlusOutlined />} onClick={() => setCustomerModal(true)} className="beside-field">
                  {t.orderForm.newCustomer}
                </Button>
              </Guard>
            </Col>
          </Row>
        </Card>

        <Card variant="borderless" title={t.orderForm.lines} style={{ marginBottom: 16 }}>
          <Form.List name="items">
            {(fields, { add, remove }, { errors }) => (
              <>
                <Row gutter={12} className="muted" style={{ marginBottom: 8, fontSize: 13 }}>
                  <Col flex="auto">{t.orderForm.product}</Col>
                  <Col flex="120px">{t.orderForm.quantity}</Col>
                  <Col flex="150px">{t.orderForm.unitPrice}</Col>
                  <Col flex="140px" style={{ textAlign: 'right' }}>
                    {t.orderForm.lineTotal}
                  </Col>
                  <Col flex="40px" />
                </Row>
                {fields.map((field, index) => {
                  const line = lines?.[index];
                  const listPrice = line?.productId ? known.get(line.productId)?.price : undefined;
                  const lineTotal = lineTotals[index];
                  return (
                    <Row key={field.key} gutter={12} align="top" data-testid="order-line">
                      <Col flex="auto" style={{ minWidth: 0 }}>
                        <Form.Item name={[field.name, 'productId']}>
                          <ProductSelect known={known} onSeen={rememberProducts} />
                        </Form.Item>
                      </Col>
                      <Col flex="120px">
                        <Form.Item name={[field.name, 'quantity']}>
                          <InputNumber<number> style={{ width: '100%' }} aria-label={t.orderForm.quantity} />
                        </Form.Item>
                      </Col>
                      <Col flex="150px">
                        <Form.Item name={[field.name, 'unitPrice']}>
                          <Input
                            inputMode="decimal"
                            placeholder={listPrice !== undefined ? formatMoney(listPrice) : '0.00'}
                            title={listPrice !== undefined ? t.orderForm.unitPriceHint(formatMoney(listPrice)) : undefined}
                            style={{ textAlign: 'right' }}
                            aria-label={t.orderForm.unitPrice}
                          />
                        </Form.Item>
                      </Col>
                      <Col flex="140px" style={{ textAlign: 'right', paddingTop: 5 }}>
                        <span className="money money-strong">{lineTotal === null ? <span className="muted">—</span> : formatMoney(fromMinor(lineTotal))}</span>
                      </Col>
                      <Col flex="40px">
                        <Tooltip title={t.orderForm.removeLine}>
                          <Button type="text" icon={<DeleteOutlined />} onClick={() => remove(field.name)} disabled={fields.length <= 1} aria-label={t.orderForm.removeLine} />
                        </Tooltip>
                      </Col>
                    </Row>
                  );
                })}
                <Form.ErrorList errors={errors} />
                <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ ...EMPTY_LINE })} block data-testid="add-line">
                  {t.orderForm.addLine}
                </Button>
                <div className="totals-preview">
                  <Typography.Text type="secondary">{t.orderForm.totalPreview}</Typography.Text>
                  <span className="money" data-testid="total-preview">
                    {formatMoney(fromMinor(total))}
                  </span>
                </div>
                <Typography.Paragraph type="secondary" style={{ textAlign: 'right', margin: 0, fontSize: 12 }}>
                  {t.orderForm.totalHint}
                </Typography.Paragraph>
              </>
            )}
          </Form.List>
        </Card>

        <Card variant="borderless" style={{ marginBottom: 16 }}>
          <Form.Item name="note" label={`${t.orderForm.note} (${t.common.optional})`} style={{ marginBottom: 0 }}>
            <Input.TextArea count={{ show: true, max: 2000 }} autoSize={{ minRows: 2, maxRows: 6 }} placeholder={t.orderForm.notePlaceholder} />
          </Form.Item>
        </Card>

        <Flex justify="flex-end" gap={8}>
          <Button disabled={false} onClick={() => navigate(order ? `/orders/${order.id}` : '/orders')}>
            {t.common.cancel}
          </Button>
          <Button type="primary" htmlType="submit" loading={save.isPending} data-testid="submit-order">
            {order ? t.orderForm.submitEdit : t.orderForm.submitCreate}
          </Button>
        </Flex>
      </Form>
      <CreateCustomerModal
        open={customerModal}
        onClose={() => setCustomerModal(false)}
        onCreated={(customer) => {
          setKnownCustomers((list) => [customer, ...list]);
          form.setFieldValue('customerId', customer.id);
          form.setFields([{ name: 'customerId', errors: [] }]);
        }}
      />
    </div>
  );
}
