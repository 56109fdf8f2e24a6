import { EventEmitter } from 'node:events';

/**
 * In-process signals between the dispatcher and the open event streams. Other instances' streams learn of
 * new notifications by polling (see notifications.stream.ts); these only make this instance's prompt.
 */
export const notificationSignals = new EventEmitter().setMaxListeners(0);
/** Emitted with the user ids whose unread count may have changed. */
export const UNREAD_CHANGED = 'unread-changed';
