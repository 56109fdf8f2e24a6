import { useQuery } from '@tanstack/react-query';
import { fetchUserDirectory } from '../../api/users.js';

/** User id → "Display name (username)" from the directory, for ids recorded in audit diffs; empty until loaded. */
export function useUserNames(): Map<string, string> {
  // Same key as the order list's owner filter: one request serves both.
  const directory = useQuery({ queryKey: ['users', 'directory'], queryFn: fetchUserDirectory, staleTime: 5 * 60_000, retry: false });
  const names = new Map<string, string>();
  for (const u of directory.data?.items ?? []) names.set(u.id, u.displayName ? `${u.displayName} (${u.username})` : u.username);
  return names;
}
