import { DeleteOutlined, DownOutlined, EditOutlined, FilterOutlined, SaveOutlined, TeamOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Dropdown, Empty, Flex, Form, Input, List, Modal, Popconfirm, Select, Tag, Typography, type MenuProps } from 'antd';
import { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { ORDER_STATUSES, type OrderStatus } from '../../../contracts/orders.js';
import { ORDER_FILTER_KEYS, type SavedViewFilterParams, type SavedViewList, type SavedViewView } from '../../../contracts/saved-views.js';
import { createSavedView, deleteSavedView, fetchSavedViews, savedViewKeys, updateSavedView } from '../../api/saved-views.js';
import { clearIssuesOnChange } from '../../forms/schema-errors.js';
import { UnplacedIssues, useFieldIssues } from '../../forms/use-field-issues.js';
import type { Messages } from '../../i18n/en.js';
import { useT } from '../../i18n/locale.js';
import { useShowError } from '../use-show-error.js';

/**
 * The "Views" menu of the order list: named filters kept on the server, the user's own and those shared with one
 * of their roles. A view is only URL parameters: applying one sets the list's filters (keeping its sort and page
 * size) and the server applies the user's own record scope as for any filter.
 */

/** The order list's filters as they stand in the URL. */
function filtersInUrl(params: URLSearchParams): SavedViewFilterParams {
  const filters: SavedViewFilterParams = {};
  for (const key of ORDER_FILTER_KEYS) {
    const value = params.get(key)?.trim();
    if (value) filters[key] = value;
  }
  return filters;
}

const sameFilters = (a: SavedViewFilterParams, b: SavedViewFilterParams) => ORDER_FILTER_KEYS.every((k) => (a[k] ?? '') === (b[k] ?? ''));

const roleLabel = (t: Messages, name: string) => (t.roles as Record<string, string>)[name] ?? name;

/** "Status: Draft, Confirmed" and so on, in the reader's language, for the save dialog. */
function describeFilters(t: Messages, filters: SavedViewFilterParams): string[] {
  const f = t.orders.filters;
  const out: string[] = [];
  if (filters.q) out.push(`${f.q}: ${filters.q}`);
  if (filters.status) {
    const statuses = filters.status.split(',').filter((s): s is OrderStatus => (ORDER_STATUSES as readonly string[]).includes(s));
    out.push(`${f.status}: ${statuses.map((s) => t.status[s]).join(', ')}`);
  }
  if (filters.ownerId) out.push(`${f.owner}: #${filters.ownerId}`);
  if (filters.number) out.push(`${f.number}: ${filters.number}`);
  if (filters.customer) out.push(`${f.customer}: ${filters.customer}`);
  if (filters.customerId) out.push(`${t.orders.customer}: #${filters.customerId}`);
  if (filters.from || filters.to) out.push(`${f.dates}: ${filters.from ?? '…'} – ${filters.to ?? '…'}`);
  if (filters.minTotal || filters.maxTotal) out.push(`${f.totalRange}: ${filters.minTotal ?? '…'} – ${filters.maxTotal ?? '…'}`);
  return out;
}

type Values = { name?: string; roleId?: string };
const FIELDS = ['name', 'roleId'] as const;
const ONLY_ME = '';

/** The save dialog (new view from the current filters) and the edit dialog (name and sharing of one view). */
function ViewForm({ view, filters, roles, onClose }: { view: SavedViewView | null; filters: SavedViewFilterParams; roles: SavedViewList['shareableRoles']; onClose(): void }) {
  const t = useT();
  const s = t.views.savedViews;
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const showError = useShowError();
  const [form] = Form.useForm<Values>();
  const issues = useFieldIssues(form, FIELDS);

  const save = useMutation({
    mutationFn: (values: Values) => {
      const roleId = values.roleId ? values.roleId : null;
      const name = values.name ?? '';
      return view ? updateSavedView(view.id, { name, roleId }) : createSavedView({ name, page: 'orders', filters, roleId });
    },
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: savedViewKeys.list('orders') });
      message.success(view ? s.updated(saved.name) : s.saved(saved.name));
      onClose();
    },
    onError: (error) => {
      if (!issues.placeError(error)) showError(error);
    },
  });

  const described = describeFilters(t, view ? view.filters : filters);
  return (
    <Modal
      open
      title={view ? s.editTitle : s.saveTitle}
      okText={s.save}
      cancelText={t.common.cancel}
      onOk={() => form.submit()}
      onCancel={onClose}
      confirmLoading={save.isPending}
      destroyOnHidden
      okButtonProps={{ 'data-testid': 'saved-view-submit' }}
    >
      <UnplacedIssues issues={issues.unplaced} />
      <Form
        form={form}
        layout="vertical"
        onValuesChange={clearIssuesOnChange(form)}
        initialValues={{ name: view?.name ?? '', roleId: view?.shared.roleId ?? ONLY_ME }}
        onFinish={(values) => {
          issues.clear();
          save.mutate(values);
        }}
      >
        <Form.Item name="name" label={s.name} rules={[{ required: true, whitespace: true, message: t.validation.required }]}>
          <Input maxLength={80} showCount placeholder={s.namePlaceholder} autoFocus data-testid="saved-view-name" />
        </Form.Item>
        <Form.Item name="roleId" label={s.shareWith} extra={s.shareHelp}>
          <Select
            data-testid="saved-view-share"
            options={[{ value: ONLY_ME, label: s.onlyMe }, ...roles.map((r) => ({ value: r.id, label: roleLabel(t, r.name) }))]}
          />
        </Form.Item>
        <Form.Item label={s.filtersSaved}>
          {described.length ? (
            <Flex wrap gap={6} data-testid="saved-view-filters">
              {described.map((d) => (
                <Tag key={d} style={{ marginInlineEnd: 0 }}>
                  {d}
                </Tag>
              ))}
            </Flex>
          ) : (
            <Typography.Text type="secondary">{s.noFilters}</Typography.Text>
          )}
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** The user's editable views, each with edit and delete. */
function ManageViews({ views, onEdit, onClose }: { views: SavedViewView[]; onEdit(view: SavedViewView): void; onClose(): void }) {
  const t = useT();
  const s = t.views.savedViews;
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const showError = useShowError();
  const remove = useMutation({
    mutationFn: (view: SavedViewView) => deleteSavedView(view.id),
    onSuccess: (_void, view) => {
      void queryClient.invalidateQueries({ queryKey: savedViewKeys.list('orders') });
      message.success(s.deleted(view.name));
    },
    onError: showError,
  });
  return (
    <Modal open title={s.manageTitle} footer={null} onCancel={onClose} destroyOnHidden>
      <List
        data-testid="saved-views-manage"
        dataSource={views}
        locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={s.none} /> }}
        renderItem={(view) => (
          <List.Item
            actions={[
              <Button key="edit" size="small" icon={<EditOutlined />} onClick={() => onEdit(view)}>
                {s.rename}
              </Button>,
              <Popconfirm key="delete" title={s.deleteConfirm(view.name)} okText={s.delete} cancelText={t.common.cancel} okButtonProps={{ danger: true }} onConfirm={() => remove.mutateAsync(view)}>
                <Button size="small" danger icon={<DeleteOutlined />} aria-label={`${s.delete} ${view.name}`} />
              </Popconfirm>,
            ]}
          >
            <List.Item.Meta
              title={view.name}
              description={
                <>
                  {view.shared.roleName ? s.sharedWith(roleLabel(t, view.shared.roleName)) : s.onlyMe}
                  {!view.mine && ` · ${s.by(view.owner.displayName)}`}
                </>
              }
            />
          </List.Item>
        )}
      />
    </Modal>
  );
}

export function SavedViews() {
  const t = useT();
  const s = t.views.savedViews;
  const { message } = App.useApp();
  const [params, setParams] = useSearchParams();
  const current = useMemo(() => filtersInUrl(params), [params]);
  const views = useQuery({ queryKey: savedViewKeys.list('orders'), queryFn: () => fetchSavedViews('orders') });
  const [dialog, setDialog] = useState<{ kind: 'save' } | { kind: 'edit'; view: SavedViewView } | { kind: 'manage' } | null>(null);

  const items = views.data?.items ?? [];
  const active = items.find((v) => sameFilters(v.filters, current) && Object.keys(current).length > 0);
  const editable = items.filter((v) => v.editable);

  function apply(view: SavedViewView) {
    const next = new URLSearchParams();
    // Sort and page size stay; the cursor stack belonged to the old filters.
    for (const [key, value] of params) if (!(ORDER_FILTER_KEYS as readonly string[]).includes(key) && key !== 'after') next.set(key, value);
    for (const [key, value] of Object.entries(view.filters)) if (value) next.set(key, value);
    setParams(next);
    message.info(s.applied(view.name));
  }

  const entry = (view: SavedViewView) => ({
    key: `view-${view.id}`,
    label: (
      <Flex justify="space-between" gap={12} data-testid="saved-view-item">
        <span>{view.name}</span>
        {!view.mine && <Typography.Text type="secondary">{view.owner.displayName}</Typography.Text>}
        {view.mine && view.shared.roleName && <TeamOutlined className="muted" aria-label={s.sharedWith(roleLabel(t, view.shared.roleName))} />}
      </Flex>
    ),
    onClick: () => apply(view),
  });
  const mine = items.filter((v) => v.mine);
  const shared = items.filter((v) => !v.mine);
  const menu: MenuProps['items'] = [
    ...(items.length === 0 ? [{ key: 'none', label: s.none, disabled: true }] : []),
    ...(mine.length ? [{ type: 'group' as const, key: 'mine', label: s.mine, children: mine.map(entry) }] : []),
    ...(shared.length ? [{ type: 'group' as const, key: 'shared', label: s.shared, children: shared.map(entry) }] : []),
    { type: 'divider' as const },
    { key: 'save', icon: <SaveOutlined />, label: s.saveCurrent, onClick: () => setDialog({ kind: 'save' }) },
    ...(editable.length ? [{ key: 'manage', icon: <EditOutlined />, label: s.manage, onClick: () => setDialog({ kind: 'manage' }) }] : []),
  ];

  return (
    <>
      <Dropdown menu={{ items: menu, selectable: true, selectedKeys: active ? [`view-${active.id}`] : [] }} trigger={['click']} placement="bottomLeft">
        <Button icon={<FilterOutlined />} data-testid="saved-views-button" loading={views.isPending}>
          <span>{active ? s.current(active.name) : s.button}</span>
          <DownOutlined style={{ fontSize: 10 }} />
        </Button>
      </Dropdown>
      {dialog?.kind === 'save' && <ViewForm view={null} filters={current} roles={views.data?.shareableRoles ?? []} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'edit' && <ViewForm view={dialog.view} filters={dialog.view.filters} roles={views.data?.shareableRoles ?? []} onClose={() => setDialog({ kind: 'manage' })} />}
      {dialog?.kind === 'manage' && <ManageViews views={editable} onEdit={(view) => setDialog({ kind: 'edit', view })} onClose={() => setDialog(null)} />}
    </>
  );
}
