import { useQuery } from '@tanstack/react-query';
import { fetchUserDirectory } from '../../api/users.js';
import { useMe } from '../../auth/session.js';
import { useT } from '../../i18n/locale.js';

/**
 * Owner filter choices: everyone, mine, then every other active user from the directory. If the directory
 * can't be read, "everyone" and "mine" still work. A caller who reads only their own orders gets no owner
 * filter at all.
 */
export function useOwnerOptions(): Array<{ value: string; label: string }> | undefined {
  const me = useMe();
  const t = useT();
  const seesEveryone = me.permissions['orders.read'] === 'all';
  const directory = useQuery({ queryKey: ['users', 'directory'], queryFn: fetchUserDirectory, enabled: seesEveryone, staleTime: 5 * 60_000, retry: false });
  if (!seesEveryone) return undefined;
  const base = [
    { value: '', label: t.orders.filters.ownerAnyone },
    { value: me.id, label: `${t.orders.filters.ownerMine} (${me.displayName || me.username})` },
  ];
  const others = (directory.data?.items ?? []).filter((u) => u.id !== me.id).map((u) => ({ value: u.id, label: u.displayName ? `${u.displayName} (${u.username})` : u.username }));
  return [...base, ...others];
}
