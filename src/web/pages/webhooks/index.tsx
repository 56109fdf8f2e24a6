import { PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Drawer, Form, Input, Modal, Popconfirm, Select, Space, Switch, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { CreateWebhookInput, NOTIFICATION_TOPICS, UpdateWebhookInput, type NotificationTopic, type WebhookDeliveryView, type WebhookView } from '../../../contracts/notifications.js';
import { createWebhook, deleteWebhook, listDeliveries, listWebhooks, notificationKeys, redeliver, updateWebhook } from '../../api/notifications.js';
import { hasPermission } from '../../auth/permissions.js';
import { DateTime } from '../../components/DateTime.js';
import { LoadFailed } from '../../components/LoadFailed.js';
import { RequireAccess } from '../../components/NoAccess.js';
import { PageHeader } from '../../components/PageHeader.js';
import { useShowError } from '../../components/use-show-error.js';
import { checkWithSchema, clearIssuesOnChange } from '../../forms/schema-errors.js';
import { FieldIssuesError, UnplacedIssues, useFieldIssues } from '../../forms/use-field-issues.js';
import { useT } from '../../i18n/locale.js';

export default function WebhooksPage() {
  return (
    <RequireAccess allowed={(me) => hasPermission(me, 'notifications.manage')} permissions={['notifications.manage']}>
      <Webhooks />
    </RequireAccess>
  );
}

const STATUS_COLOR: Record<WebhookDeliveryView['status'], string> = { pending: 'blue', delivered: 'green', failed: 'orange', dead: 'red' };

function Webhooks() {
  const t = useT();
  const w = t.notifications.webhooks;
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const showError = useShowError();
  const hooks = useQuery({ queryKey: notificationKeys.webhooks, queryFn: listWebhooks });
  const [editing, setEditing] = useState<WebhookView | 'new' | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [deliveriesOf, setDeliveriesOf] = useState<WebhookView | null>(null);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: notificationKeys.webhooks });
  const update = useMutation({
    mutationFn: ({ id, input }: { id: string; input: UpdateWebhookInput }) => updateWebhook(id, input),
    onSuccess: (hook) => {
      refresh();
      if (hook.secret) setSecret(hook.secret);
      else message.success(w.saved);
    },
    onError: showError,
  });
  const remove = useMutation({ mutationFn: deleteWebhook, onSuccess: refresh, onError: showError });

  const columns: TableColumnsType<WebhookView> = [
    { key: 'url', title: w.url, dataIndex: 'url', render: (url: string, h) => <Space direction="vertical" size={0}><Typography.Text code>{url}</Typography.Text>{h.description && <Typography.Text type="secondary">{h.description}</Typography.Text>}</Space> },
    { key: 'topics', title: w.topics, dataIndex: 'topics', render: (topics: string[]) => <Space size={4} wrap>{topics.map((topic) => <Tag key={topic}>{t.notifications.topics[topic as NotificationTopic] ?? topic}</Tag>)}</Space> },
    {
      key: 'enabled',
      title: w.enabled,
      dataIndex: 'enabled',
      width: 110,
      render: (enabled: boolean, h) => <Switch checked={enabled} checkedChildren={w.enabled} unCheckedChildren={w.disabled} onChange={(v) => update.mutate({ id: h.id, input: { enabled: v } })} data-testid={`toggle-hook-${h.id}`} />,
    },
    {
      key: 'actions',
      title: '',
      width: 360,
      render: (_: unknown, h) => (
        <Space size={4} wrap>
          <Button size="small" type="primary" ghost onClick={() => setDeliveriesOf(h)} data-testid={`deliveries-${h.id}`}>
            {w.deliveries}
          </Button>
          <Button size="small" onClick={() => setEditing(h)}>
            {w.edit}
          </Button>
          <Popconfirm title={w.rotateConfirm} okText={t.common.yes} cancelText={t.common.no} onConfirm={() => update.mutate({ id: h.id, input: { rotateSecret: true } })}>
            <Button size="small">{w.rotate}</Button>
          </Popconfirm>
          <Popconfirm title={w.deleteConfirm} okText={t.common.yes} cancelText={t.common.no} okButtonProps={{ danger: true }} onConfirm={() => remove.mutate(h.id)}>
            <Button size="small" danger>
              {w.delete}
            </Button>
          </Popconfirm>
        </Space>
      ),
    },
  ];

  return (
    <div className="section-gap">
      <PageHeader
        title={w.title}
        subtitle={w.subtitle}
        extra={
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')} data-testid="new-webhook">
            {w.newHook}
          </Button>
        }
      />
      <Card variant="borderless" styles={{ body: { padding: 0 } }}>
        {hooks.isError && !hooks.data ? (
          <LoadFailed error={hooks.error} onRetry={() => hooks.refetch()} />
        ) : (
          <Table<WebhookView> rowKey="id" size="middle" columns={columns} dataSource={hooks.data?.items ?? []} loading={hooks.isFetching} pagination={false} locale={{ emptyText: w.empty }} scroll={{ x: 900 }} />
        )}
      </Card>
      {editing && (
        <WebhookModal
          hook={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={(hook) => {
            setEditing(null);
            refresh();
            if (hook.secret) setSecret(hook.secret);
            else message.success(w.saved);
          }}
        />
      )}
      <Modal open={secret !== null} title={w.secretTitle} onOk={() => setSecret(null)} onCancel={() => setSecret(null)} cancelButtonProps={{ style: { display: 'none' } }} data-testid="webhook-secret">
        <Alert type="warning" showIcon title={w.secretHelp} style={{ marginBottom: 12 }} />
        <Typography.Paragraph copyable code>
          {secret}
        </Typography.Paragraph>
      </Modal>
      <DeliveriesDrawer hook={deliveriesOf} onClose={() => setDeliveriesOf(null)} />
    </div>
  );
}

type Values = { url?: string; topics?: string[]; description?: string };

function WebhookModal({ hook, onClose, onSaved }: { hook: WebhookView | null; onClose(): void; onSaved(hook: WebhookView): void }) {
  const t = useT();
  const w = t.notifications.webhooks;
  const showError = useShowError();
  const [form] = Form.useForm<Values>();
  const issues = useFieldIssues(form, ['url', 'topics', 'description']);
  const save = useMutation({
    mutationFn: async (values: Values) => {
      if (!hook) {
        const check = checkWithSchema(CreateWebhookInput, { ...values, description: values.description || undefined });
        if (!check.ok) throw new FieldIssuesError(check.issues);
        return createWebhook(check.data);
      }
      const check = checkWithSchema(UpdateWebhookInput, { url: values.url, topics: values.topics, description: values.description || null });
      if (!check.ok) throw new FieldIssuesError(check.issues);
      return updateWebhook(hook.id, check.data);
    },
    onSuccess: onSaved,
    onError: (error) => {
      if (!issues.placeError(error)) showError(error);
    },
  });
  return (
    <Modal open title={hook ? `${w.edit} · ${hook.url}` : w.newHook} okText={hook ? t.admin.roles.save : t.common.create} cancelText={t.common.cancel} onOk={() => form.submit()} onCancel={onClose} confirmLoading={save.isPending} destroyOnHidden data-testid="webhook-modal">
      <UnplacedIssues issues={issues.unplaced} />
      <Form
        form={form}
        layout="vertical"
        initialValues={hook ? { url: hook.url, topics: hook.topics, description: hook.description ?? '' } : { topics: ['order.deleted'] }}
        onValuesChange={clearIssuesOnChange(form)}
        onFinish={(v) => {
          issues.clear();
          save.mutate(v);
        }}
        preserve={false}
      >
        <Form.Item name="url" label={w.url} required>
          <Input placeholder="https://erp.example.com/orderly" count={{ show: true, max: 2000 }} autoFocus />
        </Form.Item>
        <Form.Item name="topics" label={w.topics} required>
          <Select mode="multiple" options={NOTIFICATION_TOPICS.map((topic) => ({ value: topic, label: `${t.notifications.topics[topic]} (${topic})` }))} />
        </Form.Item>
        <Form.Item name="description" label={`${w.description} (${t.common.optional})`}>
          <Input count={{ show: true, max: 500 }} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function DeliveriesDrawer({ hook, onClose }: { hook: WebhookView | null; onClose(): void }) {
  const t = useT();
  const w = t.notifications.webhooks;
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const showError = useShowError();
  const deliveries = useQuery({ queryKey: notificationKeys.deliveries(hook?.id ?? ''), queryFn: () => listDeliveries(hook!.id), enabled: hook !== null, refetchInterval: 5000 });
  const again = useMutation({
    mutationFn: (deliveryId: string) => redeliver(hook!.id, deliveryId),
    onSuccess: () => {
      message.success(w.redelivered);
      void queryClient.invalidateQueries({ queryKey: notificationKeys.deliveries(hook!.id) });
    },
    onError: showError,
  });
  const columns: TableColumnsType<WebhookDeliveryView> = [
    { key: 'createdAt', title: t.common.createdAt, dataIndex: 'createdAt', width: 170, render: (v: string) => <DateTime value={v} /> },
    { key: 'topic', title: w.event, dataIndex: 'topic', render: (topic: string, d) => <Space direction="vertical" size={0}><span>{t.notifications.topics[topic as NotificationTopic] ?? topic}</span><Typography.Text type="secondary" style={{ fontSize: 12 }}>#{d.eventId}</Typography.Text></Space> },
    { key: 'status', title: t.admin.users.status, dataIndex: 'status', width: 100, render: (s: WebhookDeliveryView['status']) => <Tag color={STATUS_COLOR[s]} data-testid="delivery-status">{w.status[s]}</Tag> },
    { key: 'attempts', title: w.attempts, dataIndex: 'attempts', width: 90 },
    { key: 'code', title: w.code, dataIndex: 'lastStatusCode', width: 90, render: (c: number | null) => c ?? '—' },
    { key: 'next', title: w.nextAttempt, dataIndex: 'nextAttemptAt', width: 170, render: (v: string | null) => (v ? <DateTime value={v} /> : '—') },
    { key: 'error', title: w.error, dataIndex: 'lastError', ellipsis: true, render: (v: string | null) => v ?? '—' },
    {
      key: 'actions',
      title: '',
      width: 110,
      render: (_: unknown, d) => (
        <Button size="small" onClick={() => again.mutate(d.id)} disabled={d.status === 'pending'} data-testid={`redeliver-${d.id}`}>
          {w.redeliver}
        </Button>
      ),
    },
  ];
  return (
    <Drawer open={hook !== null} onClose={onClose} size={1000} title={hook ? `${w.deliveries} · ${hook.url}` : w.deliveries} destroyOnHidden data-testid="deliveries-drawer">
      <Table<WebhookDeliveryView> rowKey="id" size="small" columns={columns} dataSource={deliveries.data?.items ?? []} loading={deliveries.isPending} pagination={{ pageSize: 50, hideOnSinglePage: true }} locale={{ emptyText: w.noDeliveries }} />
    </Drawer>
  );
}
