import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../../test/helpers.js';
import { listenToPeers, notifyPeers } from './pubsub.js';

describe.each(DIALECTS.filter((d) => d === 'postgres'))('listening to peers (%s)', (dialect) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await db.drop();
  });

  // An app closed while it starts ends the connection under the pending LISTEN: that once surfaced as an unhandled
  // rejection ("Client was closed and is not queryable") failing a whole CI run.
  it.each(['while connecting', 'between connecting and LISTEN'] as const)('closed %s: ready resolves, nothing is reported, nothing heard', async (moment) => {
    const errors: unknown[] = [];
    const listening: boolean[] = [];
    let subscription: ReturnType<typeof listenToPeers> = null;
    const query = Reflect.get(pg.Client.prototype, 'query') as (...args: unknown[]) => unknown;
    const listen = (args: unknown[]) => typeof args[0] === 'string' && args[0].startsWith('listen ');
    const spy = vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
      if (moment === 'between connecting and LISTEN' && listen(args)) void subscription?.close();
      return Reflect.apply(query, this, args);
    });
    try {
      subscription = listenToPeers(db.ctx, 'pubsub_test', () => undefined, (error) => errors.push(error), (on) => listening.push(on));
      expect(subscription).not.toBeNull();
      if (moment === 'while connecting') void subscription!.close();
      await expect(subscription!.ready).resolves.toBeUndefined();
      await subscription!.close();
      // The second moment must really have been reached: LISTEN sent on a connection closed under it.
      if (moment === 'between connecting and LISTEN') expect(spy.mock.calls.some(listen)).toBe(true);
      expect(errors).toEqual([]);
      expect(listening).not.toContain(true);
    } finally {
      spy.mockRestore();
    }
  });

  it('ready once LISTEN is in place, and hears what a peer sends', async () => {
    const heard: string[] = [];
    const subscription = listenToPeers(db.ctx, 'pubsub_test', (payload) => heard.push(payload))!;
    try {
      await subscription.ready;
      await notifyPeers(db.ctx, 'pubsub_test', 'hello');
      await expect.poll(() => heard).toEqual(['hello']);
    } finally {
      await subscription.close();
    }
  });
});
