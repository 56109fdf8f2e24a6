import { ReloadOutlined, SearchOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Button, Card, Col, DatePicker, Form, Input, Row, Select, Space } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect } from 'react';
import { AuditFilter } from '../../../../contracts/audit.js';
import type { AuditFilterValues } from '../../../api/audit.js';
import { fetchUserDirectory } from '../../../api/users.js';
import { clearIssuesOnChange, checkWithSchema, showFieldIssues, type FieldIssue } from '../../../forms/schema-errors.js';
import { useT } from '../../../i18n/locale.js';

interface FormValues {
  q?: string;
  actorId?: string;
  action?: string[];
  entityType?: string;
  entityId?: string;
  dates?: [Dayjs | null, Dayjs | null] | null;
}

const FORM_FIELDS = ['q', 'actorId', 'action', 'entityType', 'entityId', 'dates'] as const;

function toFormValues(f: AuditFilterValues): FormValues {
  return {
    q: f.q,
    actorId: f.actorId,
    action: f.action ? f.action.split(',') : [],
    entityType: f.entityType,
    entityId: f.entityId,
    dates: f.from || f.to ? [f.from ? dayjs(f.from) : null, f.to ? dayjs(f.to) : null] : null,
  };
}

function fromFormValues(v: FormValues): AuditFilterValues {
  const text = (s: string | undefined) => s?.trim() || undefined;
  return {
    q: text(v.q),
    actorId: v.actorId || undefined,
    action: v.action?.length ? v.action.join(',') : undefined,
    entityType: v.entityType || undefined,
    entityId: text(v.entityId),
    from: v.dates?.[0]?.format('YYYY-MM-DD'),
    to: v.dates?.[1]?.format('YYYY-MM-DD'),
  };
}

/** Actor, action, record, time range and free text; checked with the server's own AuditFilter schema. */
export function AuditFilterBar({ filters, onApply }: { filters: AuditFilterValues; onApply(filters: AuditFilterValues): void }) {
  const t = useT();
  const r = t.reports;
  const f = r.audit.filters;
  const [form] = Form.useForm<FormValues>();
  const directory = useQuery({ queryKey: ['users', 'directory'], queryFn: fetchUserDirectory, staleTime: 5 * 60_000, retry: false });

  useEffect(() => {
    form.resetFields();
    form.setFieldsValue(toFormValues(filters));
  }, [filters, form]);

  function apply(values: FormValues) {
    const next = fromFormValues(values);
    const check = checkWithSchema(AuditFilter, next);
    if (!check.ok) {
      const issues: FieldIssue[] = check.issues.map((i) => (i.path[0] === 'from' || i.path[0] === 'to' ? { ...i, path: ['dates'] } : i));
      showFieldIssues(form, issues, t, FORM_FIELDS);
      return;
    }
    onApply(next);
  }

  const actionOptions = [
    { label: f.familiesGroup, title: 'families', options: Object.entries(r.actionFamilies).map(([value, label]) => ({ value, label })) },
    { label: f.actionsGroup, title: 'actions', options: Object.entries(r.actions).map(([value, label]) => ({ value, label })) },
  ];

  return (
    <Card className="filter-card" variant="borderless">
      <Form form={form} layout="vertical" onFinish={apply} onValuesChange={clearIssuesOnChange(form)} initialValues={toFormValues(filters)} data-testid="audit-filters">
        <Row gutter={16}>
          <Col xs={24} md={12} xl={6}>
            <Form.Item name="q" label={f.q}>
              <Input allowClear placeholder={f.qPlaceholder} prefix={<SearchOutlined className="muted" />} />
            </Form.Item>
          </Col>
          <Col xs={24} md={12} xl={5}>
            <Form.Item name="actorId" label={f.actor}>
              <Select
                allowClear
                showSearch={{ optionFilterProp: 'label' }}
                placeholder={f.actorPlaceholder}
                loading={directory.isPending}
                options={(directory.data?.items ?? []).map((u) => ({ value: u.id, label: u.displayName ? `${u.displayName} (${u.username})` : u.username }))}
                data-testid="audit-actor-filter"
              />
            </Form.Item>
          </Col>
          <Col xs={24} md={12} xl={7}>
            <Form.Item name="action" label={f.action}>
              <Select
                mode="multiple"
                allowClear
                showSearch={{ optionFilterProp: 'label' }}
                placeholder={f.actionPlaceholder}
                options={actionOptions}
                maxTagCount="responsive"
                data-testid="audit-action-filter"
              />
            </Form.Item>
          </Col>
          <Col xs={24} md={12} xl={6}>
            <Form.Item name="dates" label={f.dates}>
              <DatePicker.RangePicker allowEmpty={[true, true]} style={{ width: '100%' }} />
            </Form.Item>
          </Col>
          <Col xs={24} md={12} xl={6}>
            <Form.Item name="entityType" label={f.entityType}>
              <Select allowClear placeholder={f.entityTypePlaceholder} options={Object.entries(r.entityTypes).map(([value, label]) => ({ value, label }))} data-testid="audit-type-filter" />
            </Form.Item>
          </Col>
          <Col xs={24} md={12} xl={5}>
            <Form.Item name="entityId" label={f.entityId}>
              <Input allowClear placeholder={f.entityIdPlaceholder} />
            </Form.Item>
          </Col>
          <Col xs={24} md={24} xl={13}>
            <Form.Item label=" " colon={false}>
              <Space wrap size={8}>
                <Button type="primary" htmlType="submit" icon={<SearchOutlined />}>
                  {t.common.search}
                </Button>
                <Button
                  icon={<ReloadOutlined />}
                  onClick={() => {
                    form.setFieldsValue(toFormValues({}));
                    onApply({});
                  }}
                >
                  {t.common.reset}
                </Button>
              </Space>
            </Form.Item>
          </Col>
        </Row>
      </Form>
    </Card>
  );
}
