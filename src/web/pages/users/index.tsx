import { KeyOutlined, PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Flex, Form, Input, Modal, Popconfirm, Select, Space, Table, Tag, Tooltip, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { CreateUserInput, UpdateUserInput, type UserView } from '../../../contracts/users.js';
import { adminKeys, createUser, listRoles, listUsers, updateUser } from '../../api/admin.js';
import { listDepartments, notificationKeys } from '../../api/notifications.js';
import { hasPermission } from '../../auth/permissions.js';
import { useMe } from '../../auth/session.js';
import { RequireAccess } from '../../components/NoAccess.js';
import { DateTime } from '../../components/DateTime.js';
import { LoadFailed } from '../../components/LoadFailed.js';
import { PageHeader } from '../../components/PageHeader.js';
import { useShowError } from '../../components/use-show-error.js';
import { checkWithSchema, clearIssuesOnChange } from '../../forms/schema-errors.js';
import { FieldIssuesError, UnplacedIssues, useFieldIssues } from '../../forms/use-field-issues.js';
import { useLocale, useT } from '../../i18n/locale.js';
import type { Messages } from '../../i18n/en.js';

export const roleLabel = (t: Messages, name: string) => (t.roles as Record<string, string>)[name] ?? name;

type Editing = { mode: 'create' } | { mode: 'edit'; user: UserView } | { mode: 'password'; user: UserView };

export default function UsersPage() {
  return (
    <RequireAccess allowed={(me) => hasPermission(me, 'users.manage')} permissions={['users.manage']}>
      <UsersTable />
    </RequireAccess>
  );
}

function UsersTable() {
  const t = useT();
  const me = useMe();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const showError = useShowError();
  const [editing, setEditing] = useState<Editing | null>(null);
  const users = useQuery({ queryKey: adminKeys.users, queryFn: listUsers });

  const toggle = useMutation({
    mutationFn: (user: UserView) => updateUser(user.id, { disabled: !user.disabled }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: adminKeys.users });
      message.success(t.admin.users.saved);
    },
    onError: showError,
  });
  const forceReset = useMutation({
    mutationFn: (user: UserView) => updateUser(user.id, { mustChangePassword: true }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: adminKeys.users });
      message.success(t.crm.forceReset.done);
    },
    onError: showError,
  });

  const columns: TableColumnsType<UserView> = [
    {
      key: 'username',
      title: t.admin.users.username,
      dataIndex: 'username',
      render: (v: string, user) => (
        <Space size={6}>
          <Typography.Text strong>{v}</Typography.Text>
          {user.id === me.id && <Tag>{t.admin.users.you}</Tag>}
        </Space>
      ),
    },
    { key: 'displayName', title: t.admin.users.displayName, dataIndex: 'displayName', render: (v: string | null) => v ?? <span className="muted">—</span> },
    { key: 'roles', title: t.admin.users.roles, dataIndex: 'roles', render: (roles: string[], user) => <Flex wrap gap={4} data-testid={`roles-${user.username}`}>{roles.map((r) => <Tag key={r} color="blue" style={{ marginInlineEnd: 0 }}>{roleLabel(t, r)}</Tag>)}</Flex> },
    {
      key: 'departments',
      title: t.notifications.departments.label,
      dataIndex: 'departments',
      render: (departments: string[], user) => <DepartmentTags codes={departments} testId={`departments-${user.username}`} />,
    },
    {
      key: 'status',
      title: t.admin.users.status,
      dataIndex: 'disabled',
      width: 110,
      render: (disabled: boolean) => (disabled ? <Tag color="default">{t.admin.users.disabled}</Tag> : <Tag color="green">{t.admin.users.enabled}</Tag>),
    },
    { key: 'createdAt', title: t.common.createdAt, dataIndex: 'createdAt', width: 170, render: (v: string) => <DateTime value={v} /> },
    {
      key: 'actions',
      title: '',
      width: 380,
      render: (_: unknown, user) => (
        <Space size={4} wrap>
          <Button size="small" onClick={() => setEditing({ mode: 'edit', user })} data-testid={`edit-user-${user.username}`}>
            {t.admin.users.edit}
          </Button>
          <Button size="small" icon={<KeyOutlined />} onClick={() => setEditing({ mode: 'password', user })}>
            {t.admin.users.resetPassword}
          </Button>
          {user.id !== me.id && !user.mustChangePassword && (
            <Popconfirm title={t.crm.forceReset.action} description={<div style={{ maxWidth: 320 }}>{t.crm.forceReset.confirm}</div>} okText={t.common.yes} cancelText={t.common.no} onConfirm={() => forceReset.mutate(user)}>
              <Button size="small" data-testid={`force-reset-${user.username}`}>
                {t.crm.forceReset.action}
              </Button>
            </Popconfirm>
          )}
          {user.id === me.id ? (
            <Tooltip title={t.admin.users.selfDisable}>
              <Button size="small" disabled>
                {t.admin.users.disable}
              </Button>
            </Tooltip>
          ) : (
            <Popconfirm
              title={user.disabled ? t.admin.users.enableConfirm(user.username) : t.admin.users.disableConfirm(user.username)}
              description={user.disabled ? undefined : <div style={{ maxWidth: 320 }}>{t.admin.users.disableHelp}</div>}
              okText={t.common.yes}
              cancelText={t.common.no}
              okButtonProps={{ danger: !user.disabled }}
              onConfirm={() => toggle.mutate(user)}
            >
              <Button size="small" danger={!user.disabled} data-testid={`toggle-user-${user.username}`}>
                {user.disabled ? t.admin.users.enable : t.admin.users.disable}
              </Button>
            </Popconfirm>
          )}
        </Space>
      ),
    },
  ];

  return (
    <div className="section-gap">
      <PageHeader
        title={t.admin.users.title}
        subtitle={t.admin.users.subtitle}
        extra={
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing({ mode: 'create' })} data-testid="new-user">
            {t.admin.users.newUser}
          </Button>
        }
      />
      <Card variant="borderless" styles={{ body: { padding: 0 } }}>
        {users.isError && !users.data ? (
          <LoadFailed error={users.error} onRetry={() => users.refetch()} />
        ) : (
          <Table<UserView> rowKey="id" size="middle" columns={columns} dataSource={users.data?.items ?? []} loading={users.isFetching} pagination={{ pageSize: 50, hideOnSinglePage: true }} scroll={{ x: 1000 }} />
        )}
      </Card>
      {editing && <UserModal editing={editing} onClose={() => setEditing(null)} />}
    </div>
  );
}

function DepartmentTags({ codes, testId }: { codes: string[]; testId: string }) {
  const { language } = useLocale();
  const departments = useQuery({ queryKey: notificationKeys.departments, queryFn: listDepartments });
  const nameOf = (code: string) => {
    const d = departments.data?.items.find((x) => x.code === code);
    return d ? (language === 'en' ? d.nameEn : d.nameZh) : code;
  };
  return (
    <Flex wrap gap={4} data-testid={testId}>
      {codes.map((c) => (
        <Tag key={c} color="purple" style={{ marginInlineEnd: 0 }}>
          {nameOf(c)}
        </Tag>
      ))}
    </Flex>
  );
}

type Values = { username?: string; password?: string; displayName?: string; roles?: string[]; departments?: string[]; email?: string; language?: 'zh-CN' | 'en' };

function UserModal({ editing, onClose }: { editing: Editing; onClose(): void }) {
  const t = useT();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const showError = useShowError();
  const [form] = Form.useForm<Values>();
  const roles = useQuery({ queryKey: adminKeys.roles, queryFn: listRoles });
  const { language } = useLocale();
  const departments = useQuery({ queryKey: notificationKeys.departments, queryFn: listDepartments });
  const fields =
    editing.mode === 'create'
      ? ['username', 'password', 'displayName', 'roles', 'departments', 'email', 'language']
      : editing.mode === 'edit'
        ? ['displayName', 'roles', 'departments', 'email', 'language']
        : ['password'];

  const issues = useFieldIssues(form, fields);

  const save = useMutation({
    mutationFn: async (values: Values) => {
      if (editing.mode === 'create') {
        const check = checkWithSchema(CreateUserInput, { ...values, email: values.email || undefined });
        if (!check.ok) throw new FieldIssuesError(check.issues);
        return createUser(check.data);
      }
      const input =
        editing.mode === 'edit'
          ? { displayName: values.displayName ?? '', roles: values.roles, departments: values.departments ?? [], email: values.email || null, ...(values.language ? { language: values.language } : {}) }
          : { password: values.password };
      const check = checkWithSchema(UpdateUserInput, input);
      if (!check.ok) throw new FieldIssuesError(check.issues);
      return updateUser(editing.user.id, check.data);
    },
    onSuccess: (user) => {
      void queryClient.invalidateQueries({ queryKey: adminKeys.users });
      void queryClient.invalidateQueries({ queryKey: adminKeys.roles });
      message.success(editing.mode === 'create' ? t.admin.users.created(user.username) : editing.mode === 'password' ? t.admin.users.passwordReset : t.admin.users.saved);
      onClose();
    },
    onError: (error) => {
      if (!issues.placeError(error)) showError(error);
    },
  });

  const title = editing.mode === 'create' ? t.admin.users.newUser : editing.mode === 'edit' ? `${t.admin.users.edit} · ${editing.user.username}` : `${t.admin.users.resetPassword} · ${editing.user.username}`;
  const initial =
    editing.mode === 'edit'
      ? { displayName: editing.user.displayName ?? '', roles: editing.user.roles, departments: editing.user.departments, email: editing.user.email ?? '', language: (editing.user.language ?? undefined) as Values['language'] }
      : { roles: [] };
  return (
    <Modal open title={title} okText={editing.mode === 'create' ? t.common.create : editing.mode === 'password' ? t.admin.users.resetPassword : t.admin.roles.save} cancelText={t.common.cancel} onOk={() => form.submit()} onCancel={onClose} confirmLoading={save.isPending} destroyOnHidden data-testid="user-modal">
      {editing.mode === 'password' && <Alert type="warning" showIcon style={{ marginBottom: 16 }} title={t.admin.users.passwordResetHelp} />}
      <UnplacedIssues issues={issues.unplaced} />
      <Form form={form} layout="vertical" initialValues={initial} onValuesChange={clearIssuesOnChange(form)} onFinish={(v) => { issues.clear(); save.mutate(v); }} preserve={false}>
        {editing.mode === 'create' && (
          <Form.Item name="username" label={t.admin.users.username} required>
            <Input count={{ show: true, max: 64 }} autoFocus autoComplete="off" />
          </Form.Item>
        )}
        {editing.mode !== 'edit' && (
          <Form.Item name="password" label={editing.mode === 'create' ? t.admin.users.password : t.admin.users.newPassword} required extra={t.admin.users.passwordHelp}>
            <Input.Password maxLength={256} autoComplete="new-password" />
          </Form.Item>
        )}
        {editing.mode !== 'password' && (
          <>
            <Form.Item name="displayName" label={`${t.admin.users.displayName} (${t.common.optional})`}>
              <Input count={{ show: true, max: 100 }} />
            </Form.Item>
            <Form.Item name="roles" label={t.admin.users.roles} required extra={t.admin.users.rolesHelp}>
              <Select
                mode="multiple"
                loading={roles.isPending}
                options={(roles.data?.items ?? []).map((r) => ({ value: r.name, label: roleLabel(t, r.name) }))}
                data-testid="user-roles"
              />
            </Form.Item>
            <Form.Item name="departments" label={t.notifications.departments.label} extra={t.notifications.departments.help}>
              <Select
                mode="multiple"
                loading={departments.isPending}
                options={(departments.data?.items ?? []).map((d) => ({ value: d.code, label: language === 'en' ? d.nameEn : d.nameZh }))}
                data-testid="user-departments"
              />
            </Form.Item>
            <Form.Item name="email" label={`${t.notifications.departments.email} (${t.common.optional})`}>
              <Input count={{ show: true, max: 200 }} type="email" autoComplete="off" />
            </Form.Item>
            <Form.Item name="language" label={`${t.notifications.departments.language} (${t.common.optional})`}>
              <Select allowClear options={[{ value: 'zh-CN', label: '简体中文' }, { value: 'en', label: 'English' }]} />
            </Form.Item>
          </>
        )}
      </Form>
    </Modal>
  );
}
