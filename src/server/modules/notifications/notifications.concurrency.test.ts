/**
 * Exactly once per event and recipient, with several dispatchers on one database and with a dispatcher that
 * fails mid-batch. "Instances" are separate connection pools on the same database, as separate processes have.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../../../test/helpers.js';
import { connect, type Db } from '../../db/connect.js';
import { nowIso } from '../../platform/clock.js';
import { publish } from '../../platform/outbox.js';
import { dispatchOutbox } from './notifications.dispatcher.js';

describe.each(DIALECTS)('dispatching exactly once (%s)', (dialect) => {
  let db: TestDatabase;
  let second: Db;
  let recipients: number[];
  let owner: number;

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    second = connect(db.config.database);
    const now = nowIso();
    const ids: number[] = [];
    for (const [name, department] of [['owner', 'sales'], ['wh-a', 'warehouse'], ['wh-b', 'warehouse'], ['fin-a', 'finance']] as const) {
      const { id } = await db.ctx.kysely
        .insertInto('users')
        .values({ username: name, display_name: null, password_hash: 'x', disabled: 0, failed_logins: 0, created_at: now, updated_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db.ctx.kysely.insertInto('user_departments').values({ user_id: id, department }).execute();
      ids.push(id);
    }
    owner = ids[0];
    recipients = ids;
  });
  afterAll(async () => {
    await second?.close();
    await db?.drop();
  });

  /** `n` order.deleted events that each concern the owner, sales, warehouse and finance; each its own group. */
  async function publishEvents(n: number, tag: string) {
    await db.ctx.kysely.transaction().execute((trx) =>
      publish(
        trx,
        Array.from({ length: n }, (_, i) => ({
          topic: 'order.deleted',
          payload: { orderId: String(100_000 + i), number: `SO-${tag}-${i}`, ownerId: String(owner), batchId: null, released: [{ sku: 'A', quantity: 1 }], reversed: '1.00' },
        })),
      ),
    );
  }

  async function perRecipient() {
    const receipts = await db.ctx.kysely.selectFrom('notification_receipts').select(['user_id', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('user_id').execute();
    const inbox = await db.ctx.kysely.selectFrom('notifications').select(['user_id', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.sum<number>('count').as('total')]).groupBy('user_id').execute();
    return { receipts: new Map(receipts.map((r) => [r.user_id, Number(r.n)])), rows: new Map(inbox.map((r) => [r.user_id, Number(r.n)])), totals: new Map(inbox.map((r) => [r.user_id, Number(r.total)])) };
  }
  const pending = async () => Number((await db.ctx.kysely.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).where('delivered_at', 'is', null).executeTakeFirstOrThrow()).n);

  it('two instances dispatching the same 1,000 events: every recipient gets each exactly once', async () => {
    await publishEvents(1000, 'A');
    // Small slices and many rounds, so the instances really interleave.
    const drain = async (ctx: Db, owner: string) => {
      let events = 0;
      for (let round = 0; round < 200 && (await pending()) > 0; round++) events += (await dispatchOutbox(ctx, { batchSize: 50, owner })).events;
      return events;
    };
    const [a, b] = await Promise.all([drain(db.ctx, 'instance-a'), drain(second, 'instance-b')]);
    expect(a + b).toBe(1000);
    expect(await pending()).toBe(0);
    const { receipts, rows, totals } = await perRecipient();
    for (const user of recipients) {
      expect(receipts.get(user), `receipts of ${user}`).toBe(1000);
      expect(rows.get(user), `inbox rows of ${user}`).toBe(1000);
      expect(totals.get(user), `events counted for ${user}`).toBe(1000);
    }
    const distinct = await db.ctx.kysely.selectFrom('notifications').select((eb) => eb.fn.count<number>('group_key').distinct().as('n')).executeTakeFirstOrThrow();
    expect(Number(distinct.n)).toBe(1000);
  });

  // A real kill -9 of a dispatcher process is notifications.crash.test.ts; this is the same in-process and quick.
  it('a slice that fails mid-way loses and doubles nothing; a replayed event is not counted twice', async () => {
    await publishEvents(300, 'B');
    await expect(
      dispatchOutbox(db.ctx, {
        batchSize: 100,
        insideSlice: (slice) => {
          // The first slice commits; the second fails after writing its receipts, before marking its events.
          if (slice === 2) throw new Error('killed');
        },
      }),
    ).rejects.toThrow('killed');
    expect(await pending()).toBe(200);
    let { receipts } = await perRecipient();
    for (const user of recipients) expect(receipts.get(user)).toBe(1100);

    // The lease of the dead dispatcher was released (or expires); another one takes over.
    await dispatchOutbox(second, { batchSize: 100, owner: 'survivor' });
    expect(await pending()).toBe(0);
    ({ receipts } = await perRecipient());
    const after = await perRecipient();
    for (const user of recipients) {
      expect(receipts.get(user)).toBe(1300);
      expect(after.totals.get(user)).toBe(1300);
    }

    // The acknowledgement lost after commit: the events come round again and change nothing.
    await db.ctx.kysely.updateTable('outbox').set({ delivered_at: null }).where('payload', 'like', '%SO-B-1%').execute();
    expect(await pending()).toBeGreaterThan(0);
    const replay = await dispatchOutbox(db.ctx);
    expect(replay.events).toBeGreaterThan(0);
    expect(replay.receipts).toBe(0);
    const final = await perRecipient();
    for (const user of recipients) expect(final.totals.get(user)).toBe(1300);
  });
});
