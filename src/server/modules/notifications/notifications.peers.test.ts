import { EventEmitter } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Db } from '../../db/connect.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../../../test/helpers.js';
import { relayUnreadToPeers } from './notifications.peers.js';
import { UNREAD_CHANGED } from './notifications.signal.js';

describe.each(DIALECTS.filter((d) => d === 'postgres'))('unread signals between instances (%s, LISTEN/NOTIFY)', (dialect) => {
  let db: TestDatabase;
  let other: Db;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    // A second "instance": its own pool on the same database, its own in-process signals.
    other = connect(db.config.database);
  });
  afterAll(async () => {
    await other.close();
    await db.drop();
  });

  it("rings the other instance's streams once, and never echoes a peer's signal back", async () => {
    const here = new EventEmitter();
    const there = new EventEmitter();
    const relayHere = relayUnreadToPeers(db.ctx, here)!;
    const relayThere = relayUnreadToPeers(other, there)!;
    await Promise.all([relayHere.ready, relayThere.ready]);
    const heardThere: number[][] = [];
    const heardHere: number[][] = [];
    there.on(UNREAD_CHANGED, (users: number[]) => heardThere.push(users));
    here.on(UNREAD_CHANGED, (users: number[]) => heardHere.push(users));
    try {
      here.emit(UNREAD_CHANGED, [7, 8]);
      await expect.poll(() => heardThere).toEqual([[7, 8]]);
      there.emit(UNREAD_CHANGED, [9]);
      await expect.poll(() => heardHere).toEqual([[7, 8], [9]]);
      // Each side heard its own emit once and the peer's once: no message came back around.
      expect(heardThere).toEqual([[7, 8], [9]]);
    } finally {
      await relayHere.close();
      await relayThere.close();
    }
  });
});

describe.each(DIALECTS.filter((d) => d === 'sqlite'))('unread signals between instances (%s)', (dialect) => {
  it('needs no relay: one instance per database file', async () => {
    const db = await createTestDatabase(dialect);
    try {
      expect(relayUnreadToPeers(db.ctx, new EventEmitter())).toBeNull();
    } finally {
      await db.drop();
    }
  });
});
