import { DeleteOutlined, LockOutlined, PlusOutlined, QuestionCircleOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Flex, Form, Input, Modal, Popconfirm, Select, Space, Table, Tag, Tooltip, Typography, type TableColumnsType } from 'antd';
import { useMemo, useState } from 'react';
import { BUILTIN_ROLES, PERMISSIONS, SCOPABLE_PERMISSIONS, type Permission } from '../../../contracts/permissions.js';
import { CreateRoleInput, UpdateRoleInput, type RoleView } from '../../../contracts/roles.js';
import { adminKeys, createRole, deleteRole, listRoles, updateRole } from '../../api/admin.js';
import { hasPermission } from '../../auth/permissions.js';
import { RequireAccess } from '../../components/NoAccess.js';
import { LoadFailed } from '../../components/LoadFailed.js';
import { PageHeader } from '../../components/PageHeader.js';
import { useShowError } from '../../components/use-show-error.js';
import { checkWithSchema, clearIssuesOnChange } from '../../forms/schema-errors.js';
import { FieldIssuesError, UnplacedIssues, useFieldIssues } from '../../forms/use-field-issues.js';
import { useT } from '../../i18n/locale.js';
import { roleLabel } from '../users/index.js';

type Cell = 'none' | 'own' | 'all';

/** Custom roles first, where the editing happens; then the built-in ones in the order of SPEC §2. */
function orderRoles(roles: RoleView[]): RoleView[] {
  const builtinRank = (name: string) => (BUILTIN_ROLES as readonly string[]).indexOf(name);
  const custom = roles.filter((r) => !r.builtin).sort((a, b) => a.name.localeCompare(b.name));
  const builtin = roles.filter((r) => r.builtin).sort((a, b) => builtinRank(a.name) - builtinRank(b.name));
  return [...custom, ...builtin];
}

function cellOf(grants: string[], permission: Permission): Cell {
  if (grants.includes(permission)) return 'all';
  return grants.includes(`${permission}:own`) ? 'own' : 'none';
}

const sameGrants = (a: string[], b: string[]) => a.length === b.length && a.every((g) => b.includes(g));

function withCell(grants: string[], permission: Permission, cell: Cell): string[] {
  const rest = grants.filter((g) => g !== permission && g !== `${permission}:own`);
  return cell === 'none' ? rest : [...rest, cell === 'own' ? `${permission}:own` : permission];
}

const PERMISSION_WIDTH = 300;
const ROLE_WIDTH = 124;

export default function RolesPage() {
  return (
    <RequireAccess allowed={(me) => hasPermission(me, 'users.manage')} permissions={['users.manage']}>
      <RolesGrid />
    </RequireAccess>
  );
}

/** A role still held by users is refused here with the reason, before the server would refuse it too. */
function DeleteRoleButton({ role, onConfirm }: { role: RoleView; onConfirm(): void }) {
  const t = useT();
  const { modal } = App.useApp();
  const label = t.admin.roles.delete;
  if (role.userCount > 0) {
    const explain = () => modal.warning({ title: t.admin.roles.cannotDelete, content: t.admin.roles.deleteHeld(role.name, role.userCount), okText: t.admin.roles.gotIt });
    return <Button size="small" type="text" danger icon={<DeleteOutlined />} aria-label={label} onClick={explain} data-testid={`delete-role-${role.name}`} />;
  }
  return (
    <Popconfirm title={t.admin.roles.deleteConfirm(role.name)} okText={t.common.yes} cancelText={t.common.no} okButtonProps={{ danger: true }} onConfirm={onConfirm}>
      <Button size="small" type="text" danger icon={<DeleteOutlined />} aria-label={label} data-testid={`delete-role-${role.name}`} />
    </Popconfirm>
  );
}

function RolesGrid() {
  const t = useT();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const showError = useShowError();
  const roles = useQuery({ queryKey: adminKeys.roles, queryFn: listRoles });
  // Unsaved grants per custom role id; saved ones come from the server.
  const [drafts, setDrafts] = useState<Record<string, string[]>>({});
  const [creating, setCreating] = useState(false);

  const items = useMemo(() => orderRoles(roles.data?.items ?? []), [roles.data]);
  const changed = items.filter((r) => drafts[r.id] && !sameGrants(drafts[r.id], r.grants));
  const save = useMutation({
    // One request per role: each is its own transaction, so a failure leaves the roles saved before it saved.
    mutationFn: async () => {
      for (const role of changed) {
        const check = checkWithSchema(UpdateRoleInput, { grants: drafts[role.id] });
        if (!check.ok) throw new Error(check.issues.map((i) => i.message).join('; '));
        await updateRole(role.id, check.data);
      }
      return changed.map((r) => r.name);
    },
    onSuccess: (names) => {
      setDrafts({});
      message.success(t.admin.roles.saved(names.join(', ')));
    },
    onError: showError,
    onSettled: () => queryClient.invalidateQueries({ queryKey: adminKeys.roles }),
  });
  const remove = useMutation({
    mutationFn: (role: RoleView) => deleteRole(role.id).then(() => role),
    onSuccess: (role) => {
      void queryClient.invalidateQueries({ queryKey: adminKeys.roles });
      message.success(t.admin.roles.deleted(role.name));
    },
    onError: showError,
  });

  const grantsOf = (role: RoleView) => drafts[role.id] ?? role.grants;
  const rows = useMemo(() => PERMISSIONS.map((permission) => ({ permission })), []);
  const columns: TableColumnsType<{ permission: Permission }> = [
    {
      key: 'permission',
      title: t.admin.roles.permission,
      fixed: 'left',
      width: PERMISSION_WIDTH,
      render: (_: unknown, { permission }) => (
        <Flex vertical>
          <Flex wrap align="baseline" gap="0 6px">
            <Typography.Text strong>{t.permissions.names[permission]}</Typography.Text>
            <Typography.Text type="secondary" className="num" style={{ fontSize: 11, whiteSpace: 'nowrap' }}>
              {permission}
            </Typography.Text>
          </Flex>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t.admin.roles.describe[permission]}
          </Typography.Text>
        </Flex>
      ),
    },
    ...items.map((role) => ({
      key: role.id,
      width: ROLE_WIDTH,
      align: 'center' as const,
      title: (
        <Flex vertical align="center" gap={2}>
          <Tooltip title={role.builtin ? t.admin.roles.builtin : (role.description ?? t.admin.roles.noDescription)}>
            <span data-testid={`role-${role.name}`} style={{ whiteSpace: 'normal', textAlign: 'center', overflowWrap: 'anywhere' }}>
              {roleLabel(t, role.name)}
            </span>
          </Tooltip>
          <Flex align="center" gap={4} style={{ height: 24 }}>
            {role.builtin && (
              <Tooltip title={t.admin.roles.builtin}>
                <LockOutlined style={{ color: '#8c8c8c' }} aria-label={t.admin.roles.builtin} />
              </Tooltip>
            )}
            <Typography.Text type="secondary" style={{ fontSize: 12, fontWeight: 'normal' }}>
              {t.admin.roles.users(role.userCount)}
            </Typography.Text>
            {!role.builtin && <DeleteRoleButton role={role} onConfirm={() => remove.mutate(role)} />}
          </Flex>
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
            style={{ width: '100%' }}
            status={cell === cellOf(role.grants, permission) ? undefined : 'warning'}
            data-testid={`cell-${role.name}-${permission}`}
            onChange={(value: Cell) => setDrafts((d) => ({ ...d, [role.id]: withCell(grantsOf(role), permission, value) }))}
          />
        );
      },
    })),
  ];

  const dirty = changed.length > 0;
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
          <Table rowKey="permission" size="small" bordered columns={columns} dataSource={rows} loading={roles.isFetching} pagination={false} scroll={{ x: PERMISSION_WIDTH + ROLE_WIDTH * items.length }} />
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
  const issues = useFieldIssues(form, ['name', 'description']);
  const create = useMutation({
    mutationFn: async (values: Values) => {
      const grants = roles.find((r) => r.id === values.copyFrom)?.grants ?? [];
      const check = checkWithSchema(CreateRoleInput, { name: values.name ?? '', description: values.description || undefined, grants });
      if (!check.ok) throw new FieldIssuesError(check.issues);
      return createRole(check.data);
    },
    onSuccess: (role) => {
      void queryClient.invalidateQueries({ queryKey: adminKeys.roles });
      message.success(t.admin.roles.created(role.name));
      onClose();
    },
    onError: (error) => {
      if (!issues.placeError(error)) showError(error);
    },
  });
  return (
    <Modal open title={t.admin.roles.newRole} okText={t.common.create} cancelText={t.common.cancel} onOk={() => form.submit()} onCancel={onClose} confirmLoading={create.isPending} destroyOnHidden data-testid="role-modal">
      <UnplacedIssues issues={issues.unplaced} />
      <Form form={form} layout="vertical" onValuesChange={clearIssuesOnChange(form)} onFinish={(v) => { issues.clear(); create.mutate(v); }} preserve={false}>
        <Form.Item name="name" label={t.admin.roles.name} required extra={t.admin.roles.nameHelp}>
          <Input count={{ show: true, max: 64 }} autoFocus autoComplete="off" />
        </Form.Item>
        <Form.Item name="description" label={`${t.admin.roles.description} (${t.common.optional})`}>
          <Input count={{ show: true, max: 500 }} />
        </Form.Item>
        <Form.Item name="copyFrom" label={t.admin.roles.copyFrom} extra={t.admin.roles.copyHelp}>
          <Select allowClear placeholder={t.admin.roles.copyNothing} options={roles.map((r) => ({ value: r.id, label: roleLabel(t, r.name) }))} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
