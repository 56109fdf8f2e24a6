import { Tooltip } from 'antd';
import { cloneElement, isValidElement, type ReactElement, type ReactNode } from 'react';
import type { Me } from '../../contracts/auth.js';
import type { Permission } from '../../contracts/permissions.js';
import { useT } from '../i18n/locale.js';
import { useSession } from './session.js';

/**
 * What the signed-in user may do, read from `me.permissions`. The server enforces every rule; the UI
 * only avoids offering what the server would refuse. A grant scoped "own" covers records whose
 * ownerId is the caller.
 */
export type Verdict = { allowed: true } | { allowed: false; reason: 'missing' | 'own_only'; permission: Permission };

export function checkPermission(me: Me | null | undefined, permission: Permission, record?: { ownerId: string }): Verdict {
  const scope = me?.permissions[permission];
  if (!scope) return { allowed: false, reason: 'missing', permission };
  if (scope === 'own' && record && record.ownerId !== me.id) return { allowed: false, reason: 'own_only', permission };
  return { allowed: true };
}

export function hasPermission(me: Me | null | undefined, permission: Permission, record?: { ownerId: string }): boolean {
  return checkPermission(me, permission, record).allowed;
}

export function usePermission(permission: Permission, record?: { ownerId: string }): Verdict {
  return checkPermission(useSession().me, permission, record);
}

/** The sentence shown in a disabled control's tooltip, naming the missing permission. */
export function useVerdictText(): (verdict: Verdict) => string | undefined {
  const t = useT();
  return (verdict) => {
    if (verdict.allowed) return undefined;
    const name = `${t.permissions.names[verdict.permission]} (${verdict.permission})`;
    return verdict.reason === 'own_only' ? t.permissions.ownOnly(name) : t.permissions.missing(name);
  };
}

interface GuardProps {
  permission: Permission;
  /** The record acted on, for permissions granted only on the caller's own records. */
  record?: { ownerId: string };
  /**
   * 'hide' removes the control when the caller lacks the permission altogether (actions their role never
   * performs); 'disable' keeps it visible, disabled, with a tooltip naming what is missing.
   */
  whenMissing?: 'hide' | 'disable';
  children: ReactElement<{ disabled?: boolean }>;
}

/** Wraps one control (usually a Button) and hides or disables it according to the caller's permissions. */
export function Guard({ permission, record, whenMissing = 'disable', children }: GuardProps): ReactNode {
  const verdict = usePermission(permission, record);
  const explain = useVerdictText();
  if (verdict.allowed) return children;
  if (verdict.reason === 'missing' && whenMissing === 'hide') return null;
  if (!isValidElement(children)) return null;
  return (
    <Tooltip title={explain(verdict)}>
      {/* A disabled button swallows pointer events, so the tooltip listens on a wrapper. */}
      <span style={{ display: 'inline-block', cursor: 'not-allowed' }} data-missing-permission={verdict.permission}>
        {cloneElement(children, { disabled: true })}
      </span>
    </Tooltip>
  );
}
