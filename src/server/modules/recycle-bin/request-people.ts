import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';

export interface PersonRef {
  id: string;
  name: string;
}

/**
 * Who asked and who decided, for a page of restore or purge requests: one query for all of them, and a lookup
 * that names each by display name, else username.
 */
export async function requestPeople(db: Kysely<DB>, rows: ReadonlyArray<{ requester_id: number; decided_by: number | null }>): Promise<(id: number | null) => PersonRef | null> {
  const userIds = [...new Set(rows.flatMap((r) => [r.requester_id, r.decided_by]).filter((id): id is number => id != null))];
  const users = userIds.length === 0 ? [] : await db.selectFrom('users').select(['id', 'username', 'display_name']).where('id', 'in', userIds).execute();
  const names = new Map(users.map((u) => [u.id, u.display_name ?? u.username]));
  return (id) => (id == null ? null : { id: String(id), name: names.get(id) ?? `user ${id}` });
}
