import { AppstoreOutlined, ShoppingCartOutlined, TeamOutlined } from '@ant-design/icons';
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
      { path: '/orders', label: (t) => t.nav.orders, icon: <ShoppingCartOutlined />, permission: 'orders.read' },
      { path: '/customers', label: (t) => t.nav.customers, icon: <TeamOutlined /> },
      { path: '/products', label: (t) => t.nav.products, icon: <AppstoreOutlined /> },
    ],
  },
];

/** The entry whose path is the longest prefix of the current location, so /orders/42 highlights Orders. */
export function activeEntry(pathname: string): NavEntry | undefined {
  return NAVIGATION.flatMap((g) => g.entries)
    .filter((e) => pathname === e.path || pathname.startsWith(`${e.path}/`))
    .sort((a, b) => b.path.length - a.path.length)[0];
}
