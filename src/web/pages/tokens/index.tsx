import { PlusOutlined, QuestionCircleOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Form, Input, Modal, Popconfirm, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { adminKeys, createToken, listTokens, listUsers, revokeToken, type TokenView } from '../../api/admin.js';
import { hasPermission } from '../../auth/permissions.js';
import { useMe } from '../../auth/session.js';
import { DateTime } from '../../components/DateTime.js';
import { LoadFailed } from '../../components/LoadFailed.js';
import { PageHeader } from '../../components/PageHeader.js';
import { useShowError } from '../../components/use-show-error.js';
import { useT } from '../../i18n/locale.js';

export default function TokensPage() {
  const t = useT();
  const me = useMe();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const showError = useShowError();
  const [naming, setNaming] = useState(false);
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [form] = Form.useForm<{ name: string }>();
  const tokens = useQuery({ queryKey: adminKeys.tokens, queryFn: listTokens });
  // An admin sees everyone's tokens; owners are named from the user list, which also has disabled users.
  const seesAll = hasPermission(me, 'users.manage');
  const users = useQuery({ queryKey: adminKeys.users, queryFn: listUsers, enabled: seesAll });
  const ownerName = (userId: string) => {
    if (userId === me.id) return me.username;
    return users.data?.items.find((u) => u.id === userId)?.username ?? `#${userId}`;
  };

  const create = useMutation({
    mutationFn: (name: string) => createToken(name),
    onSuccess: (token) => {
      void queryClient.invalidateQueries({ queryKey: adminKeys.tokens });
      setNaming(false);
      setCreated(token);
    },
    onError: showError,
  });
  const revoke = useMutation({
    mutationFn: (token: TokenView) => revokeToken(token.id),
    onSuccess: (_, token) => {
      void queryClient.invalidateQueries({ queryKey: adminKeys.tokens });
      message.success(t.admin.tokens.revokedNotice(token.name));
    },
    onError: showError,
  });

  const columns: TableColumnsType<TokenView> = [
    { key: 'name', title: t.admin.tokens.name, dataIndex: 'name', render: (v: string) => <Typography.Text strong>{v}</Typography.Text> },
    ...(seesAll ? [{ key: 'owner', title: t.admin.tokens.owner, dataIndex: 'userId', width: 160, render: (v: string) => ownerName(v) }] : []),
    { key: 'createdAt', title: t.admin.tokens.createdAt, dataIndex: 'createdAt', width: 170, render: (v: string) => <DateTime value={v} /> },
    { key: 'lastUsed', title: t.admin.tokens.lastUsed, dataIndex: 'lastUsedAt', width: 170, render: (v: string | null) => (v ? <DateTime value={v} /> : <span className="muted">{t.admin.tokens.never}</span>) },
    { key: 'status', title: t.admin.tokens.status, dataIndex: 'revokedAt', width: 110, render: (v: string | null) => (v ? <Tag>{t.admin.tokens.revoked}</Tag> : <Tag color="green">{t.admin.tokens.active}</Tag>) },
    {
      key: 'actions',
      title: '',
      width: 110,
      render: (_: unknown, token) =>
        token.revokedAt ? null : (
          <Popconfirm title={t.admin.tokens.revokeConfirm(token.name)} okButtonProps={{ danger: true }} okText={t.common.yes} cancelText={t.common.no} onConfirm={() => revoke.mutate(token)}>
            <Button size="small" danger data-testid={`revoke-token-${token.id}`}>
              {t.admin.tokens.revoke}
            </Button>
          </Popconfirm>
        ),
    },
  ];

  return (
    <div className="section-gap">
      <PageHeader
        title={t.admin.tokens.title}
        subtitle={t.admin.tokens.subtitle}
        extra={
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setNaming(true)} data-testid="new-token">
            {t.admin.tokens.newToken}
          </Button>
        }
      />
      <Alert type="info" showIcon icon={<QuestionCircleOutlined />} title={t.admin.tokens.scopeHelp} />
      <Card variant="borderless" styles={{ body: { padding: 0 } }}>
        {tokens.isError && !tokens.data ? (
          <LoadFailed error={tokens.error} onRetry={() => tokens.refetch()} />
        ) : (
          <Table<TokenView> rowKey="id" size="middle" columns={columns} dataSource={tokens.data?.items ?? []} loading={tokens.isFetching} pagination={{ pageSize: 50, hideOnSinglePage: true }} />
        )}
      </Card>
      <Modal open={naming} title={t.admin.tokens.newToken} okText={t.common.create} cancelText={t.common.cancel} onOk={() => form.submit()} onCancel={() => setNaming(false)} confirmLoading={create.isPending} destroyOnHidden>
        <Form form={form} layout="vertical" onFinish={(v) => create.mutate(v.name)} preserve={false}>
          <Form.Item name="name" label={t.admin.tokens.name} rules={[{ required: true, whitespace: true, message: t.admin.tokens.namePlaceholder }]}>
            <Input count={{ show: true, max: 100 }} placeholder={t.admin.tokens.namePlaceholder} autoFocus />
          </Form.Item>
        </Form>
      </Modal>
      <Modal
        open={created !== null}
        title={created?.name}
        closable={false}
        maskClosable={false}
        destroyOnHidden
        footer={
          <Button type="primary" onClick={() => setCreated(null)}>
            {t.admin.tokens.done}
          </Button>
        }
      >
        <Alert type="warning" showIcon title={t.admin.tokens.shownOnce} style={{ marginBottom: 12 }} />
        <Typography.Paragraph copyable={{ text: created?.token ?? '', onCopy: () => void message.success(t.admin.tokens.copied), tooltips: [t.admin.tokens.copy, t.admin.tokens.copied] }} className="num" style={{ wordBreak: 'break-all' }} data-testid="token-value">
          {created?.token}
        </Typography.Paragraph>
      </Modal>
    </div>
  );
}
