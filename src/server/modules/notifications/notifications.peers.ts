import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { FastifyBaseLogger } from 'fastify';
import type { Ctx } from '../../db/context.js';
import { listenToPeers, notifyPeers, type Subscription } from '../../db/pubsub.js';
import { UNREAD_CHANGED } from './notifications.signal.js';

/**
 * Carries "these users' unread count changed" between instances (PostgreSQL LISTEN/NOTIFY), so a bell whose
 * stream is held by one instance rings at once when another instance delivers a notification or marks one read.
 * Without it the stream still learns within its 5-second poll; this only makes it prompt.
 */
export const UNREAD_CHANNEL = 'orderly_unread';
/** Marks a signal that came from a peer, so it is not sent back out. */
const FROM_PEER = Symbol('from-peer');
/** NOTIFY payloads are limited to 8000 bytes; user ids are sent in slices well below that. */
const IDS_PER_MESSAGE = 500;

export function relayUnreadToPeers(ctx: Ctx, signals: EventEmitter, log?: FastifyBaseLogger): Subscription | null {
  const instance = randomUUID();
  const subscription = listenToPeers(
    ctx,
    UNREAD_CHANNEL,
    (payload) => {
      const message = JSON.parse(payload) as { from: string; users: number[] };
      if (message.from !== instance && Array.isArray(message.users)) signals.emit(UNREAD_CHANGED, message.users, FROM_PEER);
    },
    (error) => log?.warn({ err: error }, 'unread relay between instances: connection lost; retrying (streams still poll)'),
  );
  if (!subscription) return null;
  const onLocal = (users: number[], origin?: symbol) => {
    if (origin === FROM_PEER) return;
    for (let i = 0; i < users.length; i += IDS_PER_MESSAGE) {
      notifyPeers(ctx, UNREAD_CHANNEL, JSON.stringify({ from: instance, users: users.slice(i, i + IDS_PER_MESSAGE) })).catch((error: unknown) =>
        log?.warn({ err: error }, 'could not tell the other instances about new notifications; their streams poll'),
      );
    }
  };
  signals.on(UNREAD_CHANGED, onLocal);
  return {
    ready: subscription.ready,
    async close() {
      signals.off(UNREAD_CHANGED, onLocal);
      await subscription.close();
    },
  };
}
