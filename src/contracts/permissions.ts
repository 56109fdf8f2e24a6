/**
 * The permission catalogue and the built-in roles of SPEC §2.
 * A grant is a permission name, optionally suffixed with ":own" to limit it to records the caller owns.
 */
export const PERMISSIONS = [
  'orders.read',
  'orders.create',
  'orders.update',
  'orders.delete',
  'orders.delete_confirmed',
  'orders.restore',
  'restore_requests.create',
  'restore_requests.approve',
  'orders.purge',
  'orders.export',
  'inventory.manage',
  'finance.manage',
  'audit.read',
  'users.manage',
  'settings.manage',
  'backups.manage',
  'cleanup.manage',
  'customers.read',
  'notifications.manage',
  'cleanup.review',
  'orders.hold',
  'orders.approve',
  'training.manage',
  'customers.erase',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** Permissions whose grant may be limited to the caller's own records. */
export const SCOPABLE_PERMISSIONS: readonly Permission[] = [
  'orders.read',
  'orders.create',
  'orders.update',
  'orders.delete',
  'orders.export',
];

export type Scope = 'all' | 'own';
export type Grant = Permission | `${Permission}:own`;

export const BUILTIN_ROLES = ['admin', 'sales_manager', 'sales_rep', 'warehouse', 'finance', 'auditor'] as const;
export type BuiltinRole = (typeof BUILTIN_ROLES)[number];

export const BUILTIN_ROLE_GRANTS: Record<BuiltinRole, Grant[]> = {
  admin: [...PERMISSIONS],
  sales_manager: [
    'orders.read',
    'orders.create',
    'orders.update',
    'orders.delete',
    'orders.delete_confirmed',
    'orders.restore',
    'restore_requests.create',
    'restore_requests.approve',
    'orders.export',
    'customers.read',
    'cleanup.review',
    'orders.approve',
  ],
  sales_rep: [
    'orders.read:own',
    'orders.create:own',
    'orders.update:own',
    'orders.delete:own',
    'restore_requests.create',
    'orders.export:own',
  ],
  // customers.read: contact details of every customer (SPEC §5). A sales rep sees those of the customers of
  // their own orders, and only the names of the rest.
  warehouse: ['orders.read', 'inventory.manage', 'customers.read'],
  finance: ['orders.read', 'orders.export', 'finance.manage', 'customers.read'],
  auditor: ['orders.read', 'orders.export', 'audit.read', 'customers.read', 'orders.hold'],
};

/** Effective permissions: for each permission held, the widest scope any role grants. */
export type PermissionMap = Partial<Record<Permission, Scope>>;

export function mergeGrants(grants: Iterable<string>): PermissionMap {
  const map: PermissionMap = {};
  for (const grant of grants) {
    const [name, suffix] = grant.split(':') as [Permission, string | undefined];
    if (!(PERMISSIONS as readonly string[]).includes(name)) continue;
    const scope: Scope = suffix === 'own' && SCOPABLE_PERMISSIONS.includes(name) ? 'own' : 'all';
    if (map[name] !== 'all') map[name] = scope;
  }
  return map;
}
