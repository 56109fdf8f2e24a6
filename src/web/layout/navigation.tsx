import { AppstoreOutlined, DeleteOutlined, RollbackOutlined, SafetyCertificateOutlined, ShoppingCartOutlined, TeamOutlined, UserOutlined } from '@ant-design/icons';
import { ClearOutlined, ExperimentOutlined, ScheduleOutlined } from '@ant-design/icons';
import { FileProtectOutlined, SettingOutlined } from '@ant-design/icons';
import { DashboardOutlined } from '@ant-design/icons';
import { AccountBookOutlined, ApiOutlined, AuditOutlined, BellOutlined, CloudServerOutlined, InboxOutlined, SendOutlined } from '@ant-design/icons';
import type { Me } from '../../contracts/auth.js';
import { canReadFinance, canReadStock } from '../auth/report-access.js';
import type { ReactNode } from 'react';
import type { Permission } from '../../contracts/permissions.js';
import type { Messages } from '../i18n/en.js';

/**
 * The side menu, in groups. Later pages (recycle bin, audit, users, roles, finance) are added here as new
 * entries or groups; an entry with a `permission` is shown only to users who hold it.
 */
export interface NavEntry {
  path: string;
  label: (t: Messages) => string;
  icon: ReactNode;
  permission?: Permission;
  /** For entries no single permission describes (finance: finance.manage, or orders.read on all records). */
  visible?: (me: Me) => boolean;
}

export interface NavGroup {
  key: string;
  label: (t: Messages) => string;
  entries: NavEntry[];
}

export const NAVIGATION: NavGroup[] = [
  {
    key: 'order-book',
    label: (t) => t.nav.orderBook,
    entries: [
      { path: '/', label: (t) => t.guidance.nav.dashboard, icon: <DashboardOutlined />, permission: 'orders.read' },
      { path: '/orders', label: (t) => t.nav.orders, icon: <ShoppingCartOutlined />, permission: 'orders.read' },
      { path: '/customers', label: (t) => t.nav.customers, icon: <TeamOutlined /> },
      { path: '/products', label: (t) => t.nav.products, icon: <AppstoreOutlined /> },
      { path: '/recycle-bin', label: (t) => t.deletion.nav.recycleBin, icon: <DeleteOutlined />, permission: 'orders.read' },
      { path: '/restore-requests', label: (t) => t.deletion.nav.restoreRequests, icon: <RollbackOutlined />, permission: 'restore_requests.create' },
      { path: '/purge-requests', label: (t) => t.governance.nav.purgeRequests, icon: <FileProtectOutlined />, permission: 'orders.purge' },
      { path: '/notifications', label: (t) => t.notifications.nav.inbox, icon: <BellOutlined /> },
    ],
  },
  {
    key: 'reports',
    label: (t) => t.reports.nav.group,
    entries: [
      { path: '/stock', label: (t) => t.reports.nav.stock, icon: <InboxOutlined />, visible: canReadStock },
      { path: '/finance', label: (t) => t.reports.nav.finance, icon: <AccountBookOutlined />, visible: canReadFinance },
      { path: '/audit', label: (t) => t.reports.nav.audit, icon: <AuditOutlined />, permission: 'audit.read' },
      { path: '/cleanup', label: (t) => t.cleanup.nav.reviews, icon: <ClearOutlined />, permission: 'cleanup.review' },
      { path: '/cleanup/rules', label: (t) => t.cleanup.nav.rules, icon: <ScheduleOutlined />, permission: 'cleanup.manage' },
      { path: '/data-quality', label: (t) => t.cleanup.nav.dataQuality, icon: <ExperimentOutlined />, visible: (me) => me.permissions['cleanup.review'] !== undefined || me.permissions['audit.read'] !== undefined },
    ],
  },
  {
    key: 'administration',
    label: (t) => t.reports.nav.administration,
    entries: [
      { path: '/users', label: (t) => t.admin.nav.users, icon: <UserOutlined />, permission: 'users.manage' },
      { path: '/roles', label: (t) => t.admin.nav.roles, icon: <SafetyCertificateOutlined />, permission: 'users.manage' },
      // Every user reaches their own tokens from the user menu; here for admins, who manage everyone's.
      { path: '/tokens', label: (t) => t.admin.nav.tokens, icon: <ApiOutlined />, permission: 'users.manage' },
      { path: '/backups', label: (t) => t.reports.nav.backups, icon: <CloudServerOutlined />, permission: 'backups.manage' },
      { path: '/webhooks', label: (t) => t.notifications.nav.webhooks, icon: <SendOutlined />, permission: 'notifications.manage' },
      { path: '/settings', label: (t) => t.governance.nav.settings, icon: <SettingOutlined />, permission: 'settings.manage' },
    ],
  },
];

/** The entry whose path is the longest prefix of the current location, so /orders/42 highlights Orders. */
export function activeEntry(pathname: string): NavEntry | undefined {
  return NAVIGATION.flatMap((g) => g.entries)
    .filter((e) => pathname === e.path || pathname.startsWith(`${e.path}/`))
    .sort((a, b) => b.path.length - a.path.length)[0];
}
