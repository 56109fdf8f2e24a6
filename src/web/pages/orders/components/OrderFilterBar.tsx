import { DownOutlined, ReloadOutlined, SearchOutlined, UpOutlined } from '@ant-design/icons';
import { Button, Card, Col, DatePicker, Form, Input, Row, Select, Space } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useState, type ReactNode } from 'react';
import { ORDER_STATUSES, OrderFilter, type OrderStatus } from '../../../../contracts/orders.js';
import { StatusTag } from '../../../components/StatusTag.js';
import { clearIssuesOnChange, checkWithSchema, showFieldIssues, type FieldIssue } from '../../../forms/schema-errors.js';
import { useT } from '../../../i18n/locale.js';
import { SECONDARY_FILTERS, type OrderFilters } from '../order-list-params.js';

interface FilterFormValues {
  q?: string;
  number?: string;
  customer?: string;
  status?: OrderStatus[];
  ownerId?: string;
  dates?: [Dayjs | null, Dayjs | null] | null;
  minTotal?: string;
  maxTotal?: string;
}

const FORM_FIELDS = ['q', 'number', 'customer', 'status', 'ownerId', 'dates', 'minTotal', 'maxTotal'] as const;

function toFormValues(filters: OrderFilters): FilterFormValues {
  return {
    q: filters.q,
    number: filters.number,
    customer: filters.customer,
    status: filters.status,
    ownerId: filters.ownerId ?? '',
    dates: filters.from || filters.to ? [filters.from ? dayjs(filters.from) : null, filters.to ? dayjs(filters.to) : null] : null,
    minTotal: filters.minTotal,
    maxTotal: filters.maxTotal,
  };
}

function fromFormValues(values: FilterFormValues): OrderFilters {
  const text = (v: string | undefined) => v?.trim() || undefined;
  return {
    q: text(values.q),
    number: text(values.number),
    customer: text(values.customer),
    status: values.status ?? [],
    ownerId: text(values.ownerId),
    from: values.dates?.[0]?.format('YYYY-MM-DD'),
    to: values.dates?.[1]?.format('YYYY-MM-DD'),
    minTotal: text(values.minTotal),
    maxTotal: text(values.maxTotal),
  };
}

interface OrderFilterBarProps {
  filters: OrderFilters;
  /** Options for the owner filter; absent when the caller only ever sees their own orders. */
  ownerOptions?: Array<{ value: string; label: string }>;
  onApply(filters: OrderFilters): void;
  /** More controls beside the buttons (the saved views menu). */
  extra?: ReactNode;
}

export function OrderFilterBar({ filters, ownerOptions, onApply, extra }: OrderFilterBarProps) {
  const t = useT();
  const [form] = Form.useForm<FilterFormValues>();
  const [expanded, setExpanded] = useState(() => SECONDARY_FILTERS.some((k) => Boolean(filters[k])));

  // Back/forward and links change the URL without this form: follow them.
  useEffect(() => {
    form.resetFields();
    form.setFieldsValue(toFormValues(filters));
  }, [filters, form]);

  function apply(values: FilterFormValues) {
    const next = fromFormValues(values);
    // The same schema the server applies to GET /api/orders, so a bad amount is caught here, on its field.
    const check = checkWithSchema(OrderFilter, { ...next, status: next.status.join(',') });
    if (!check.ok) {
      const issues: FieldIssue[] = check.issues.map((i) => (i.path[0] === 'from' || i.path[0] === 'to' ? { ...i, path: ['dates'] } : i));
      showFieldIssues(form, issues, t, FORM_FIELDS);
      return;
    }
    onApply(next);
  }

  function reset() {
    form.resetFields();
    onApply({ status: [] });
  }

  const f = t.orders.filters;
  return (
    <Card className="filter-card" variant="borderless">
      <Form form={form} onValuesChange={clearIssuesOnChange(form)} layout="vertical" onFinish={apply} initialValues={toFormValues(filters)} data-testid="order-filters">
        <Row gutter={16}>
          <Col xs={24} md={12} xl={7}>
            <Form.Item name="q" label={f.q}>
              <Input allowClear placeholder={f.qPlaceholder} prefix={<SearchOutlined className="muted" />} />
            </Form.Item>
          </Col>
          <Col xs={24} md={12} xl={5}>
            <Form.Item name="status" label={f.status}>
              <Select<OrderStatus[]>
                mode="multiple"
                allowClear
                placeholder={f.statusPlaceholder}
                data-testid="status-filter"
                options={ORDER_STATUSES.map((s) => ({ value: s, label: t.status[s] }))}
                optionRender={(option) => <StatusTag status={option.value as OrderStatus} />}
                maxTagCount="responsive"
              />
            </Form.Item>
          </Col>
          {ownerOptions && (
            <Col xs={24} md={12} xl={4}>
              <Form.Item name="ownerId" label={f.owner}>
                <Select showSearch={{ optionFilterProp: 'label' }} options={ownerOptions} data-testid="owner-filter" />
              </Form.Item>
            </Col>
          )}
          <Col xs={24} md={12} xl={ownerOptions ? 8 : 12}>
            <Form.Item label=" " colon={false}>
              <Space wrap size={8}>
                <Button type="primary" htmlType="submit" icon={<SearchOutlined />}>
                  {t.common.search}
                </Button>
                <Button onClick={reset} icon={<ReloadOutlined />}>
                  {t.common.reset}
                </Button>
                <Button type="link" onClick={() => setExpanded((v) => !v)} icon={expanded ? <UpOutlined /> : <DownOutlined />} style={{ paddingInline: 4 }}>
                  {expanded ? f.less : f.more}
                </Button>
                {extra}
              </Space>
            </Form.Item>
          </Col>
        </Row>
        <Row gutter={16} style={{ display: expanded ? undefined : 'none' }}>
          <Col xs={24} md={12} xl={5}>
            <Form.Item name="number" label={f.number}>
              <Input allowClear placeholder={f.numberPlaceholder} />
            </Form.Item>
          </Col>
          <Col xs={24} md={12} xl={5}>
            <Form.Item name="customer" label={f.customer}>
              <Input allowClear placeholder={f.customerPlaceholder} />
            </Form.Item>
          </Col>
          <Col xs={24} md={12} xl={7}>
            <Form.Item name="dates" label={f.dates}>
              <DatePicker.RangePicker allowEmpty={[true, true]} style={{ width: '100%' }} />
            </Form.Item>
          </Col>
          <Col xs={24} md={12} xl={7}>
            {/* The two noStyle items report their errors through this one. */}
            <Form.Item label={f.totalRange}>
              <Space.Compact block>
                <Form.Item name="minTotal" noStyle>
                  <Input inputMode="decimal" placeholder={f.minTotal} style={{ textAlign: 'right' }} allowClear />
                </Form.Item>
                <Form.Item name="maxTotal" noStyle>
                  <Input inputMode="decimal" placeholder={f.maxTotal} style={{ textAlign: 'right' }} allowClear />
                </Form.Item>
              </Space.Compact>
            </Form.Item>
          </Col>
        </Row>
      </Form>
    </Card>
  );
}
