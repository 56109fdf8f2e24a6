import { Result } from 'antd';
import type { ReactNode } from 'react';
import type { Me } from '../../contracts/auth.js';
import type { Permission } from '../../contracts/permissions.js';
import { useSession } from '../auth/session.js';
import { useT } from '../i18n/locale.js';

/**
 * A page opened by URL without the permission it needs: say which permissions would open it, rather than
 * showing a failed request. The server refuses the data either way.
 */
export function RequireAccess({ allowed, permissions, children }: { allowed(me: Me | null): boolean; permissions: Array<Permission | `${Permission}:all`>; children: ReactNode }) {
  const t = useT();
  const { me } = useSession();
  if (allowed(me)) return children;
  // `orders.read:all`: the permission granted on every record, not only the caller's own.
  const names = permissions
    .map((grant) => {
      const [p, scope] = grant.split(':') as [Permission, string | undefined];
      return `${t.permissions.names[p]} (${p}${scope ? `, ${t.reports.noAccess.allRecords}` : ''})`;
    })
    .join(' / ');
  return <Result status="403" title={t.reports.noAccess.title} subTitle={t.reports.noAccess.needsAny(names)} data-testid="no-access" />;
}
