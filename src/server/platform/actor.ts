import type { Permission, PermissionMap, Scope } from '../../contracts/permissions.js';
import { AppError } from './errors.js';

/** Who is acting, and from where; handed by routes to every service command. */
export interface Actor {
  type: 'user' | 'token' | 'system';
  userId: number | null;
  name: string;
  permissions: PermissionMap;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  /** The session (hash of its cookie) or API token the request came with: where a step-up is remembered. */
  credential?: { kind: 'session' | 'token'; id: string };
}

export const systemActor = (name: string): Actor => ({
  type: 'system',
  userId: null,
  name,
  permissions: Object.fromEntries(
    // A system job acts with every permission; what it does is still audited under its own name.
    (['orders.read', 'orders.delete', 'orders.delete_confirmed', 'orders.purge'] as Permission[]).map((p) => [p, 'all']),
  ),
  ip: null,
  userAgent: null,
  requestId: null,
});

export function scopeOf(actor: Actor, permission: Permission): Scope | undefined {
  return actor.permissions[permission];
}

export function requirePermission(actor: Actor, permission: Permission): Scope {
  const scope = actor.permissions[permission];
  if (!scope) throw new AppError('forbidden', `Missing permission ${permission}`, { permission });
  return scope;
}

/** The owner filter a scoped read applies: undefined means every owner. */
export function ownerFilter(actor: Actor, permission: Permission): number | undefined {
  return requirePermission(actor, permission) === 'own' ? (actor.userId ?? -1) : undefined;
}
