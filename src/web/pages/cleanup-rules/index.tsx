import { DeleteOutlined, EditOutlined, PlayCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Checkbox, Flex, Form, Input, InputNumber, Modal, Popconfirm, Segmented, Space, Switch, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { CLEANUP_STATUSES, DEFAULT_GRACE_DAYS, type CleanupPreview, type CleanupRuleView } from '../../../contracts/cleanup.js';
import { cleanupKeys, createRule, deleteRule, fetchRules, previewMatch, runRule, updateRule, type RuleInput } from '../../api/cleanup.js';
import { ProblemError } from '../../api/http.js';
import { formatDateTime } from '../../components/DateTime.js';
import { LoadFailed } from '../../components/LoadFailed.js';
import { PageHeader } from '../../components/PageHeader.js';
import { useShowError } from '../../components/use-show-error.js';
import { useT } from '../../i18n/locale.js';
import { CustomerSelect } from '../order-form/components/CustomerSelect.js';

const PRESETS = { weeklyMonday: '0 9 * * 1', monthlyFirst: '0 9 1 * *', daily: '0 6 * * *' } as const;
type Preset = keyof typeof PRESETS | 'custom';
const presetOf = (cron: string): Preset => (Object.entries(PRESETS).find(([, c]) => c === cron)?.[0] as Preset | undefined) ?? 'custom';

interface FormValues {
  name: string;
  status: Array<(typeof CLEANUP_STATUSES)[number]>;
  untouchedDays?: number | null;
  olderThanDays?: number | null;
  customerId?: string;
  schedule: string;
  graceDays: number;
  enabled: boolean;
}

function toInput(v: FormValues): RuleInput {
  return {
    name: v.name,
    match: {
      status: v.status,
      ...(v.untouchedDays != null ? { untouchedDays: v.untouchedDays } : {}),
      ...(v.olderThanDays != null ? { olderThanDays: v.olderThanDays } : {}),
      ...(v.customerId ? { filter: { customerId: v.customerId } } : {}),
    },
    schedule: v.schedule,
    graceDays: v.graceDays,
    enabled: v.enabled,
  };
}

function RuleDialog({ rule, timeZone, onClose }: { rule: CleanupRuleView | null; timeZone: string; onClose(saved: boolean): void }) {
  const t = useT();
  const r = t.cleanup.rules;
  const [form] = Form.useForm<FormValues>();
  const [preview, setPreview] = useState<CleanupPreview | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const schedule = Form.useWatch('schedule', form) ?? rule?.schedule ?? PRESETS.weeklyMonday;
  const initial: FormValues = rule
    ? {
        name: rule.name,
        status: rule.match.status,
        untouchedDays: rule.match.untouchedDays,
        olderThanDays: rule.match.olderThanDays,
        customerId: rule.match.filter?.customerId,
        schedule: rule.schedule,
        graceDays: rule.graceDays,
        enabled: rule.enabled,
      }
    : { name: '', status: ['draft'], untouchedDays: 30, schedule: PRESETS.weeklyMonday, graceDays: DEFAULT_GRACE_DAYS, enabled: true };

  const fieldErrors = (e: unknown) => {
    if (!(e instanceof ProblemError)) return;
    const byField = new Map<string, string[]>();
    for (const f of e.fieldErrors) {
      const name = f.field.replace(/^match\.(filter\.)?/, '');
      byField.set(name, [...(byField.get(name) ?? []), f.message]);
    }
    form.setFields([...byField].map(([name, errors]) => ({ name: name as keyof FormValues, errors })));
  };

  const doPreview = async () => {
    setError(null);
    try {
      setPreview(await previewMatch(toInput(await form.validateFields()).match));
    } catch (e) {
      fieldErrors(e);
      if (e instanceof ProblemError) setError(e);
    }
  };
  const save = async () => {
    const values = await form.validateFields();
    setBusy(true);
    setError(null);
    try {
      if (rule) await updateRule(rule.id, toInput(values));
      else await createRule(toInput(values));
      onClose(true);
    } catch (e) {
      fieldErrors(e);
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal open title={rule ? r.edit : r.create} onOk={save} onCancel={() => onClose(false)} okButtonProps={{ loading: busy, ...({ 'data-testid': 'save-rule' } as object) }} okText={r.save} cancelText={t.common.cancel} width={620}>
      <Form form={form} layout="vertical" initialValues={initial} requiredMark={false}>
        <Form.Item name="name" label={r.name} rules={[{ required: true, message: r.name }]}>
          <Input maxLength={200} data-testid="rule-name" />
        </Form.Item>
        <Form.Item name="status" label={r.statuses} rules={[{ required: true, type: 'array', min: 1, message: r.statuses }]}>
          <Checkbox.Group options={CLEANUP_STATUSES.map((s) => ({ value: s, label: t.status[s] }))} />
        </Form.Item>
        <Flex gap={16}>
          <Form.Item name="untouchedDays" label={r.untouchedDays} style={{ flex: 1 }}>
            <InputNumber min={0} precision={0} style={{ width: '100%' }} data-testid="rule-untouched" />
          </Form.Item>
          <Form.Item name="olderThanDays" label={r.olderThanDays} style={{ flex: 1 }}>
            <InputNumber min={0} precision={0} style={{ width: '100%' }} />
          </Form.Item>
        </Flex>
        <Form.Item name="customerId" label={r.customer}>
          <CustomerSelect />
        </Form.Item>
        <Form.Item label={r.schedule} required>
          <Segmented<Preset>
            value={presetOf(schedule)}
            onChange={(p) => p !== 'custom' && form.setFieldValue('schedule', PRESETS[p])}
            options={(['weeklyMonday', 'monthlyFirst', 'daily', 'custom'] as const).map((p) => ({ value: p, label: r.presets[p] }))}
            style={{ marginBottom: 8 }}
          />
          <Form.Item name="schedule" noStyle rules={[{ required: true, message: r.cron }]}>
            <Input addonBefore={r.cron} className="num" data-testid="rule-cron" />
          </Form.Item>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {r.cronHelp(timeZone)}
          </Typography.Text>
        </Form.Item>
        <Flex gap={16} align="flex-start">
          <Form.Item name="graceDays" label={r.graceDays} tooltip={r.graceHelp} style={{ flex: 1 }}>
            <InputNumber min={0} max={90} precision={0} style={{ width: '100%' }} />
          </Form.Item>
          <Form.Item name="enabled" label={r.enabled} valuePropName="checked" style={{ flex: 1 }}>
            <Switch />
          </Form.Item>
        </Flex>
        <Space align="center">
          <Button onClick={doPreview} data-testid="preview-rule">
            {r.preview}
          </Button>
          {preview && (
            <Typography.Text data-testid="preview-count">{preview.count === 0 ? r.previewEmpty : r.previewCount(preview.count)}</Typography.Text>
          )}
        </Space>
        {preview?.truncated && <Alert style={{ marginTop: 8 }} type="warning" showIcon title={r.previewTruncated} />}
        {preview && preview.samples.length > 0 && (
          <div style={{ marginTop: 8 }}>
            {preview.samples.slice(0, 10).map((s) => (
              <span key={s.id} className="order-number" style={{ marginInlineEnd: 10 }}>
                {s.number}
              </span>
            ))}
          </div>
        )}
        {error !== null && !(error instanceof ProblemError && error.fieldErrors.length > 0) && (
          <Alert style={{ marginTop: 8 }} type="error" showIcon title={error instanceof ProblemError ? (error.problem.detail ?? error.problem.title) : t.errors.network} />
        )}
      </Form>
    </Modal>
  );
}

/** Cleanup rules (cleanup.manage): what each finds, when it runs, and "Run now". */
export default function CleanupRulesPage() {
  const t = useT();
  const r = t.cleanup.rules;
  const { message } = App.useApp();
  const showError = useShowError();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const rules = useQuery({ queryKey: cleanupKeys.rules, queryFn: fetchRules });
  const [editing, setEditing] = useState<CleanupRuleView | null | 'new'>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['cleanup'] });

  const run = useMutation({
    mutationFn: runRule,
    onSuccess: async (review) => {
      message.success(r.runStarted(review.candidateCount));
      await refresh();
      void navigate(`/cleanup/reviews/${review.id}`);
    },
    onError: showError,
  });
  const toggle = useMutation({ mutationFn: ({ id, enabled }: { id: string; enabled: boolean }) => updateRule(id, { enabled }), onSuccess: refresh, onError: showError });
  const remove = useMutation({
    mutationFn: deleteRule,
    onSuccess: async () => {
      message.success(r.deleted);
      await refresh();
    },
    onError: showError,
  });

  const summary = (rule: CleanupRuleView) => (
    <Space size={4} wrap>
      {rule.match.status.map((s) => (
        <Tag key={s}>{t.status[s]}</Tag>
      ))}
      {rule.match.untouchedDays !== undefined && <Tag color="blue">{t.cleanup.review.reasons.untouched(rule.match.untouchedDays)}</Tag>}
      {rule.match.olderThanDays !== undefined && <Tag color="blue">{t.cleanup.review.reasons.older_than(rule.match.olderThanDays)}</Tag>}
      {rule.match.filter && <Tag color="purple">{t.cleanup.review.reasons.filter}</Tag>}
    </Space>
  );
  const columns: TableColumnsType<CleanupRuleView> = [
    { key: 'name', title: r.name, dataIndex: 'name', width: 220, render: (name: string) => <Typography.Text strong>{name}</Typography.Text> },
    { key: 'match', title: r.matchSummary, render: (_, rule) => summary(rule) },
    {
      key: 'schedule',
      title: r.schedule,
      width: 190,
      render: (_, rule) => {
        const preset = presetOf(rule.schedule);
        return preset === 'custom' ? <code>{rule.schedule}</code> : r.presets[preset];
      },
    },
    { key: 'next', title: r.nextRun, width: 170, render: (_, rule) => (rule.nextRunAt ? formatDateTime(rule.nextRunAt) : '—') },
    { key: 'last', title: r.lastRun, width: 170, render: (_, rule) => (rule.lastRunAt ? formatDateTime(rule.lastRunAt) : r.never) },
    {
      key: 'enabled',
      title: r.enabled,
      width: 90,
      render: (_, rule) => <Switch size="small" checked={rule.enabled} loading={toggle.isPending && toggle.variables?.id === rule.id} onChange={(enabled) => toggle.mutate({ id: rule.id, enabled })} aria-label={r.enabled} />,
    },
    {
      key: 'actions',
      title: r.actions,
      width: 260,
      render: (_, rule) => (
        <Space>
          <Button size="small" type="primary" icon={<PlayCircleOutlined />} loading={run.isPending && run.variables === rule.id} onClick={() => run.mutate(rule.id)} data-testid={`run-rule-${rule.id}`}>
            {r.runNow}
          </Button>
          <Button size="small" icon={<EditOutlined />} onClick={() => setEditing(rule)} aria-label={r.edit} />
          <Popconfirm title={r.deleteConfirm} onConfirm={() => remove.mutate(rule.id)} okText={r.delete} cancelText={t.common.cancel}>
            <Button size="small" danger icon={<DeleteOutlined />} aria-label={r.delete} />
          </Popconfirm>
        </Space>
      ),
    },
  ];

  return (
    <>
      <PageHeader
        title={r.title}
        subtitle={r.subtitle}
        extra={
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')} data-testid="new-rule">
            {r.create}
          </Button>
        }
      />
      <Card variant="borderless">
        {rules.isError ? (
          <LoadFailed error={rules.error} onRetry={() => rules.refetch()} />
        ) : (
          <Table rowKey="id" columns={columns} dataSource={rules.data?.items} loading={rules.isLoading} pagination={false} locale={{ emptyText: r.empty }} scroll={{ x: 1000 }} />
        )}
      </Card>
      {editing !== null && (
        <RuleDialog
          rule={editing === 'new' ? null : editing}
          timeZone={rules.data?.items[0]?.timeZone ?? 'Asia/Shanghai'}
          onClose={(saved) => {
            setEditing(null);
            if (saved) {
              message.success(r.saved);
              void refresh();
            }
          }}
        />
      )}
    </>
  );
}
