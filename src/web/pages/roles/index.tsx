import { DeleteOutlined, LockOutlined, PlusOutlined, QuestionCircleOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Flex, Form, Input, Modal, Popconfirm, Select, Space, Table, Tag, Tooltip, Typography, type TableColumnsType } from 'antd';
import { useMemo, useState } from 'react';
import { PERMISSIONS, SCOPABLE_PERMISSIONS, type Permission } from '../../../contracts/permissions.js';
import { CreateRoleInput, type RoleView } from '../../../contracts/roles.js';
import { adminKeys, createRole, deleteRole, listRoles, updateRole } from '../../api/admin.js';
import { ProblemError } from '../../api/http.js';
import { LoadFailed } from '../../components/LoadFailed.js';
import { PageHeader } from '../../components/PageHeader.js';
import { useShowError } from '../../components/use-show-error.js';
import { checkWithSchema, clearIssuesOnChange, issuesFromServer, showFieldIssues, type FieldIssue } from '../../forms/schema-errors.js';
import { translateMessage, useT } from '../../i18n/locale.js';
import { roleLabel } from '../users/index.js';

type Cell = 'none' | 'own' | 'all';

function cellOf(grants: string[], permission: Permission): Cell {
  if (grants.includes(permission)) return 'all';
  return grants.includes(`${permission}:own`) ? 'own' : 'none';
}

function withCell(grants: string[], permission: Permission, cell: Cell): string[] {
  const rest = grants.filter((g) => g !== permission && g !== `${permission}:own`);
  return cell === 'none' ? rest : [...rest, cell === 'own' ? `${permission}:own` : permission];
}

export default function RolesPage() {
  const t = useT();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const showError = useShowError();
  const roles = useQuery({ queryKey: adminKeys.roles, queryFn: listRoles });
  // Unsaved grants per custom role id; saved ones come from the server.
  const [drafts, setDrafts] = useState<Record<string, string[]>>({});
  const [creating, setCreating] = useState(false);

  const save = useMutation({
    mutationFn: async () => {
      for (const [id, grants] of Object.entries(drafts)) await updateRole(id, { grants: grants as never });
    },
    onSuccess: () => {
      const names = (roles.data?.items ?? []).filter((r) => drafts[r.id]).map((r) => r.name);
      setDrafts({});
      void queryClient.invalidateQueries({ queryKey: adminKeys.roles });
      message.success(t.admin.roles.saved(names.join(', ')));
    },
    onError: showError,
  });
  const remove = useMutation({
    mutationFn: (role: RoleView) => deleteRole(role.id).then(() => role),
    onSuccess: (role) => {
      void queryClient.invalidateQueries({ queryKey: adminKeys.roles });
      message.success(t.admin.roles.deleted(role.name));
    },
    onError: showError,
  });

  const items = roles.data?.items ?? [];
  const grantsOf = (role: RoleView) => drafts[role.id] ?? role.grants;
  const rows = useMemo(() => PERMISSIONS.map((permission) => ({ permission })), []);
  const columns: TableColumnsType<{ permission: Permission }> = [
    {
      key: 'permission',
      title: t.admin.roles.permission,
      fixed: 'left',
      width: 240,
      render: (_: unknown, { permission }) => (
        <Flex vertical>
          <Typography.Text strong>{t.permissions.names[permission]}</Typography.Text>
          <Typography.Text type="secondary" className="num" style={{ fontSize: 12 }}>
            {permission}
          </Typography.Text>
        </Flex>
      ),
    },
    ...items.map((role) => ({
      key: role.id,
      width: 150,
      align: 'center' as const,
      title: (
        <Flex vertical align="center" gap={2}>
          <Space size={4}>
            {role.builtin && (
              <Tooltip title={t.admin.roles.builtin}>
                <LockOutlined style={{ color: '#8c8c8c' }} />
              </Tooltip>
            )}
            <span>{roleLabel(t, role.name)}</span>
          </Space>
          <Typography.Text type="secondary" style={{ fontSize: 12, fontWeight: 'normal' }}>
            {t.admin.roles.users(role.userCount)}
          </Typography.Text>
          {!role.builtin && (
            <Popconfirm title={t.admin.roles.deleteConfirm(role.name)} okText={t.common.yes} cancelText={t.common.no} onConfirm={() => remove.mutate(role)}>
              <Button size="small" type="text" danger icon={<DeleteOutlined />} aria-label={t.admin.roles.delete} />
            </Popconfirm>
          )}
        </Flex>
      ),
      render: (_: unknown, { permission }: { permission: Permission }) => {
        const cell = cellOf(grantsOf(role), permission);
        if (role.builtin) {
          return cell === 'all' ? <Tag color="green">✓</Tag> : cell === 'own' ? <Tag color="gold">{t.admin.roles.own}</Tag> : <span className="muted">–</span>;
        }
        const options = [
          { value: 'none', label: t.admin.roles.none },
          ...(SCOPABLE_PERMISSIONS.includes(permission) ? [{ value: 'own', label: t.admin.roles.own }] : []),
          { value: 'all', label: t.admin.roles.all },
        ];
        return (
          <Select
            size="small"
            value={cell}
            options={options}
            style={{ width: 110 }}
            data-testid={`cell-${role.name}-${permission}`}
            onChange={(value: Cell) => setDrafts((d) => ({ ...d, [role.id]: withCell(grantsOf(role), permission, value) }))}
          />
        );
      },
    })),
  ];

  const dirty = Object.keys(drafts).length > 0;
  return (
    <div className="section-gap">
      <PageHeader
        title={t.admin.roles.title}
        subtitle={t.admin.roles.subtitle}
        extra={
          <Space>
            {dirty && <Tag color="orange">{t.admin.roles.unsaved}</Tag>}
            {dirty && <Button onClick={() => setDrafts({})}>{t.admin.roles.discard}</Button>}
            <Button type="primary" disabled={!dirty} loading={save.isPending} onClick={() => save.mutate()} data-testid="save-roles">
              {t.admin.roles.save}
            </Button>
            <Button icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="new-role">
              {t.admin.roles.newRole}
            </Button>
          </Space>
        }
      />
      <Alert type="info" showIcon icon={<QuestionCircleOutlined />} title={t.admin.roles.scopeHelp} />
      <Card variant="borderless" styles={{ body: { padding: 0 } }}>
        {roles.isError && !roles.data ? (
          <LoadFailed error={roles.error} onRetry={() => roles.refetch()} />
        ) : (
          <Table rowKey="permission" size="small" bordered columns={columns} dataSource={rows} loading={roles.isFetching} pagination={false} scroll={{ x: 240 + 150 * items.length }} />
        )}
      </Card>
      {creating && <CreateRoleModal roles={items} onClose={() => setCreating(false)} />}
    </div>
  );
}

type Values = { name?: string; description?: string; copyFrom?: string };

function CreateRoleModal({ roles, onClose }: { roles: RoleView[]; onClose(): void }) {
  const t = useT();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const showError = useShowError();
  const [form] = Form.useForm<Values>();
  const [unplaced, setUnplaced] = useState<FieldIssue[]>([]);
  const FIELDS = ['name', 'description'];
  const create = useMutation({
    mutationFn: async (values: Values) => {
      const grants = roles.find((r) => r.id === values.copyFrom)?.grants ?? [];
      const check = checkWithSchema(CreateRoleInput, { name: values.name ?? '', description: values.description || undefined, grants });
      if (!check.ok) throw check.issues;
      return createRole(check.data);
    },
    onSuccess: (role) => {
      void queryClient.invalidateQueries({ queryKey: adminKeys.roles });
      message.success(t.admin.roles.created(role.name));
      onClose();
    },
    onError: (error) => {
      if (Array.isArray(error)) setUnplaced(showFieldIssues(form, error as FieldIssue[], t, FIELDS));
      else if (error instanceof ProblemError && error.fieldErrors.length) setUnplaced(showFieldIssues(form, issuesFromServer(error.fieldErrors), t, FIELDS));
      else showError(error);
    },
  });
  return (
    <Modal open title={t.admin.roles.newRole} okText={t.common.create} cancelText={t.common.cancel} onOk={() => form.submit()} onCancel={onClose} confirmLoading={create.isPending} destroyOnHidden data-testid="role-modal">
      {unplaced.length > 0 && <Alert type="error" showIcon style={{ marginBottom: 16 }} title={unplaced.map((i) => translateMessage(t, i.message)).join('; ')} />}
      <Form form={form} layout="vertical" onValuesChange={clearIssuesOnChange(form)} onFinish={(v) => { setUnplaced([]); create.mutate(v); }} preserve={false}>
        <Form.Item name="name" label={t.admin.roles.name} required extra={t.admin.roles.nameHelp}>
          <Input maxLength={64} autoFocus autoComplete="off" />
        </Form.Item>
        <Form.Item name="description" label={`${t.admin.roles.description} (${t.common.optional})`}>
          <Input maxLength={500} />
        </Form.Item>
        <Form.Item name="copyFrom" label={t.admin.roles.copyFrom}>
          <Select allowClear placeholder={t.admin.roles.copyNothing} options={roles.map((r) => ({ value: r.id, label: roleLabel(t, r.name) }))} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
