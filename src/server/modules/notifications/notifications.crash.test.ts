/**
 * Delivery processes on one database. Two at once on PostgreSQL dispatch the same 1,000 events exactly once,
 * side by side, splitting the queue.
 *
 * kill -9 of a dispatcher process, on a SQLite file and on PostgreSQL: the first delivery process is killed inside
 * a dispatch transaction, the second while a webhook POST and an e-mail are on the wire, the third finishes.
 * Every recipient then has each event exactly once in the inbox, and no webhook delivery or e-mail is lost (the
 * interrupted ones are sent again: at least once, receivers dedupe by event id).
 *
 * The processes run the built drill/dispatch-crash-worker.js (`npm test` builds it; alone:
 * `node scripts/ensure-built.mjs` first).
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../../../test/helpers.js';
import type { CrashWorkerDone } from '../../../../drill/dispatch-crash-worker.js';
import type { Db } from '../../db/connect.js';
import { nowIso } from '../../platform/clock.js';
import { publish } from '../../platform/outbox.js';
import { systemActor } from '../../platform/actor.js';
import { startReceiver, startSmtp, subjectOf } from './notifications.test-support.js';
import { createWebhook } from './webhooks.service.js';

const WORKER = path.resolve('dist/drill/dispatch-crash-worker.js');
const EVENTS = 200;
const SLICE = 40;
const MINUTE = 60_000;
/** Between two looks at a state being waited for; not a guess at how long anything takes. */
const pause = () => new Promise((resolve) => setTimeout(resolve, 10));

interface Worker {
  child: ChildProcess;
  exited: Promise<void>;
  /** The first message matching `wanted`; rejects if the process exits before sending one. */
  message<T>(wanted: (m: Record<string, unknown>) => boolean): Promise<T>;
}

function startWorker(db: TestDatabase, env: Record<string, string>): Worker {
  const database = db.config.database;
  const base: NodeJS.ProcessEnv = { ...process.env, ORDERLY_LOG_LEVEL: 'silent', ORDERLY_JOBS: 'off', ...env };
  delete base.DATABASE_URL;
  delete base.ORDERLY_DB;
  if (database.dialect === 'postgres') base.DATABASE_URL = database.url;
  else base.ORDERLY_DB = database.file;
  const child = fork(WORKER, [], { env: base, execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    exited,
    message: <T,>(wanted: (m: Record<string, unknown>) => boolean) =>
      new Promise<T>((resolve, reject) => {
        child.on('message', (m: Record<string, unknown>) => wanted(m) && resolve(m as T));
        child.once('exit', (code, signal) => reject(new Error(`the delivery process exited (${code ?? signal}) first`)));
      }),
  };
}

async function kill(worker: Worker): Promise<void> {
  worker.child.kill('SIGKILL');
  await worker.exited;
}

/**
 * PostgreSQL rolls back a killed client's transaction (and frees the rows it locked) only once its backend sees
 * the socket closed: wait for that state, so the next process does not skip rows a dead one still holds.
 */
async function settle(ctx: Db): Promise<void> {
  if (ctx.dialect !== 'postgres') return;
  for (;;) {
    const busy = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
      where datname = current_database() and pid <> pg_backend_pid() and state is not null and state <> 'idle'`.execute(ctx.kysely);
    if (busy.rows[0].n === 0) return;
    await pause();
  }
}

describe.each(DIALECTS)('delivery processes, killed and side by side (%s)', (dialect) => {
  let db: TestDatabase;
  let recipients: number[];
  let financeId: number;
  let eventIds: number[];

  beforeAll(async () => {
    if (!fs.existsSync(WORKER)) throw new Error(`${WORKER} is missing: run \`node scripts/ensure-built.mjs\` (npm test does)`);
    db = await createTestDatabase(dialect);
    const now = nowIso();
    recipients = [];
    for (const [name, department, email] of [['owner', 'sales', null], ['wh-a', 'warehouse', null], ['wh-b', 'warehouse', null], ['fin-a', 'finance', 'fin-a@example.com']] as const) {
      const { id } = await db.ctx.kysely
        .insertInto('users')
        .values({ username: name, display_name: null, password_hash: 'x', disabled: 0, failed_logins: 0, created_at: now, updated_at: now, email })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db.ctx.kysely.insertInto('user_departments').values({ user_id: id, department }).execute();
      recipients.push(id);
    }
    financeId = recipients[3];
    // Each event concerns the owner, sales, warehouse and finance, and is its own group: one inbox row per event.
    await db.ctx.kysely.transaction().execute((trx) =>
      publish(
        trx,
        Array.from({ length: EVENTS }, (_, i) => ({
          topic: 'order.deleted',
          payload: { orderId: String(100_000 + i), number: `SO-K-${i}`, ownerId: String(recipients[0]), batchId: null, deletedBy: null, released: [{ sku: 'A', quantity: 1 }], reversed: '1.00' },
        })),
      ),
    );
    eventIds = (await db.ctx.kysely.selectFrom('outbox').select('id').orderBy('id').execute()).map((r) => r.id);
  });
  afterAll(async () => db?.drop());

  const pending = async () => Number((await db.ctx.kysely.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).where('delivered_at', 'is', null).executeTakeFirstOrThrow()).n);
  const receiptsOf = async (user: number) => Number((await db.ctx.kysely.selectFrom('notification_receipts').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', user).executeTakeFirstOrThrow()).n);

  it('loses and doubles nothing: exactly one inbox row per event and recipient, every webhook and e-mail sent at least once', async () => {
    // Answers 200 at first; from the 101st request on, holds every request open until the process dies.
    let holdWebhooks = false;
    const receiver = await startReceiver((n) => (holdWebhooks && n > 100 ? 'hang' : 200));
    const smtp = await startSmtp((n) => holdWebhooks && n > 100);
    try {
      await createWebhook(db.ctx, systemActor('test'), { url: receiver.url, topics: ['order.deleted'], description: 'ERP' });
      const env = { ORDERLY_SMTP_URL: smtp.url, CRASH_BATCH_SIZE: String(SLICE) };

      // 1. Killed inside the third dispatch transaction, its receipts written but not committed.
      const first = startWorker(db, { ...env, CRASH_HOLD_SLICE: '3' });
      await first.message((m) => m.holding === 3);
      // What the two committed slices wrote is there; the open third one is invisible.
      expect(await pending()).toBe(EVENTS - 2 * SLICE);
      for (const user of recipients) expect(await receiptsOf(user)).toBe(2 * SLICE);
      await kill(first);
      await settle(db.ctx);
      expect(await pending()).toBe(EVENTS - 2 * SLICE);
      for (const user of recipients) expect(await receiptsOf(user)).toBe(2 * SLICE);

      // 2. A successor (past the dead one's 60 s dispatch lease) dispatches the rest, then sends: killed with a
      // webhook POST and an e-mail on the wire, unanswered.
      holdWebhooks = true;
      const second = startWorker(db, { ...env, CRASH_CLOCK_OFFSET_MS: String(2 * MINUTE) });
      await Promise.race([
        (async () => {
          while (receiver.received.length <= 100 || smtp.held.length === 0) await pause();
        })(),
        second.message(() => false),
      ]);
      expect(await pending()).toBe(0);
      await kill(second);
      await settle(db.ctx);
      const interrupted = new Set(receiver.received.slice(100).map((r) => String(r.headers['orderly-event-id'])));
      const heldMails = smtp.held.length;
      expect(interrupted.size).toBeGreaterThan(0);

      // 3. A third process, past the claims the killed sender left (its timeout + 1 min), finishes.
      holdWebhooks = false;
      const third = startWorker(db, { ...env, CRASH_CLOCK_OFFSET_MS: String(60 * MINUTE) });
      const { done } = await third.message<CrashWorkerDone>((m) => 'done' in m);
      third.child.disconnect();
      await third.exited;
      expect(done.events).toBe(0);

      // In-app: exactly once per event and recipient.
      expect(await pending()).toBe(0);
      for (const user of recipients) {
        expect(await receiptsOf(user), `receipts of ${user}`).toBe(EVENTS);
        const inbox = await db.ctx.kysely
          .selectFrom('notifications')
          .select([(eb) => eb.fn.countAll<number>().as('rows'), (eb) => eb.fn.sum<number>('count').as('events'), (eb) => eb.fn.count<number>('group_key').distinct().as('groups')])
          .where('user_id', '=', user)
          .executeTakeFirstOrThrow();
        expect({ rows: Number(inbox.rows), events: Number(inbox.events), groups: Number(inbox.groups) }, `inbox of ${user}`).toEqual({ rows: EVENTS, events: EVENTS, groups: EVENTS });
      }

      // Webhooks: one delivery row per event, all delivered; the receiver saw every event id, the interrupted ones twice.
      const deliveries = await db.ctx.kysely.selectFrom('webhook_deliveries').select(['event_id', 'status']).execute();
      expect(deliveries).toHaveLength(EVENTS);
      expect(deliveries.filter((d) => d.status !== 'delivered')).toEqual([]);
      const seen = receiver.received.map((r) => Number(r.headers['orderly-event-id']));
      expect([...new Set(seen)].sort((a, b) => a - b)).toEqual(eventIds);
      for (const id of interrupted) expect(seen.filter((s) => s === Number(id)).length, `event ${id}`).toBeGreaterThanOrEqual(2);

      // E-mail (finance's default for deletions): one delivery per event, all sent; every one arrived, the held one again.
      const mails = await db.ctx.kysely.selectFrom('email_deliveries').select(['user_id', 'status']).execute();
      expect(mails).toHaveLength(EVENTS);
      expect(mails.every((m) => m.user_id === financeId && m.status === 'delivered')).toBe(true);
      const numbers = new Set(smtp.mails.map((m) => /SO-K-\d+/.exec(subjectOf(m.raw))?.[0]));
      for (let i = 0; i < EVENTS; i++) expect(numbers.has(`SO-K-${i}`), `mail of SO-K-${i}`).toBe(true);
      expect(smtp.mails.length).toBeGreaterThanOrEqual(EVENTS);
      expect(heldMails).toBeGreaterThan(0);
    } finally {
      await receiver.close();
      await smtp.close();
    }
  }, 240_000);

  // Several instances share a PostgreSQL database (README); a SQLite file has one (the in-process test in
  // notifications.concurrency.test.ts covers its lease).
  it.runIf(dialect === 'postgres')('two delivery processes on one database dispatch the same 1,000 events: every recipient gets each exactly once, every webhook is sent once', async () => {
    const receiver = await startReceiver();
    const smtp = await startSmtp();
    try {
      await createWebhook(db.ctx, systemActor('test'), { url: receiver.url, topics: ['order.confirmed'], description: 'WMS' });
      // Confirmations concern the owner, warehouse and finance: the same four recipients, no e-mail by default.
      await db.ctx.kysely.transaction().execute((trx) =>
        publish(
          trx,
          Array.from({ length: 1000 }, (_, i) => ({ topic: 'order.confirmed', payload: { orderId: String(200_000 + i), number: `SO-T-${i}`, ownerId: String(recipients[0]), from: 'draft', actorId: null, actorName: null } })),
        ),
      );
      const ids = (await db.ctx.kysely.selectFrom('outbox').select('id').where('topic', '=', 'order.confirmed').orderBy('id').execute()).map((r) => r.id);
      const env = { ORDERLY_SMTP_URL: smtp.url, CRASH_BATCH_SIZE: String(SLICE) };
      // Both wait inside their first slice (each holding rows the other skipped) and then go on together.
      const workers = [startWorker(db, { ...env, CRASH_BARRIER: '1' }), startWorker(db, { ...env, CRASH_BARRIER: '1' })];
      const reports = workers.map((w) => w.message<CrashWorkerDone>((m) => 'done' in m));
      await Promise.all(workers.map((w) => w.message((m) => m.holding === 1)));
      for (const w of workers) w.child.send('go');
      const done = (await Promise.all(reports)).map((r) => r.done);
      for (const w of workers) w.child.disconnect();
      await Promise.all(workers.map((w) => w.exited));

      expect(done[0].events + done[1].events).toBe(1000);
      for (const d of done) expect(d.events).toBeGreaterThanOrEqual(SLICE);
      expect(await pending()).toBe(0);
      for (const user of recipients) {
        const receipts = await db.ctx.kysely.selectFrom('notification_receipts').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', user).where('event_id', 'in', ids).executeTakeFirstOrThrow();
        expect(Number(receipts.n), `receipts of ${user}`).toBe(1000);
        const inbox = await db.ctx.kysely
          .selectFrom('notifications')
          .select([(eb) => eb.fn.countAll<number>().as('rows'), (eb) => eb.fn.sum<number>('count').as('events')])
          .where('user_id', '=', user)
          .where('topic', '=', 'order.confirmed')
          .executeTakeFirstOrThrow();
        expect({ rows: Number(inbox.rows), events: Number(inbox.events) }, `inbox of ${user}`).toEqual({ rows: 1000, events: 1000 });
      }
      const seen = receiver.received.map((r) => Number(r.headers['orderly-event-id']));
      expect(seen.sort((a, b) => a - b)).toEqual(ids);
    } finally {
      await receiver.close();
      await smtp.close();
    }
  }, 240_000);
});
