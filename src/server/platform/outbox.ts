import type { Transaction } from 'kysely';
import { dialectOf } from '../db/connect.js';
import { insertRowSet } from '../db/row-sets.js';
import type { DB } from '../db/schema.js';
import { nowIso } from './clock.js';

/**
 * Called when a transaction wrote events; the app wakes the dispatcher once the request's response is sent, that
 * is after the commit (a wake-up inside the transaction would find nothing yet).
 */
export const publishedListeners = new Set<() => void>();

/** Domain events are written with the change they announce; a worker delivers them after commit. */
export async function publish(trx: Transaction<DB>, events: Array<{ topic: string; payload: unknown }>): Promise<void> {
  if (events.length === 0) return;
  const at = nowIso();
  const rows = events.map((e) => [e.topic, JSON.stringify(e.payload), at, at, 0]);
  await insertRowSet(
    trx,
    dialectOf(trx),
    'outbox',
    [
      ['topic', 'text'],
      ['payload', 'text'],
      ['created_at', 'text'],
      ['available_at', 'text'],
      ['attempts', 'int'],
    ],
    rows,
  );
  for (const listener of publishedListeners) listener();
}

/**
 * Who caused an event, for its payload: the id lets the dispatcher spare the actor a notice of their own
 * action, the display name (as it was then) lets webhook receivers and notification texts say who it was.
 * A system job has neither: texts then say "the system" in the reader's language, not the job's internal name.
 */
export async function eventActor(trx: Transaction<DB>, actor: { userId: number | null; name: string }): Promise<{ actorId: string | null; actorName: string | null }> {
  if (actor.userId == null) return { actorId: null, actorName: null };
  const user = await trx.selectFrom('users').select(['username', 'display_name']).where('id', '=', actor.userId).executeTakeFirst();
  return { actorId: String(actor.userId), actorName: user ? (user.display_name ?? user.username) : actor.name };
}
