/**
 * A notification delivery process for the dispatcher's kill -9 test (notifications.crash.test.ts): on the
 * database named by the environment (like `npm start`) it does what the server's notification worker does —
 * drain the outbox, send the due webhooks and e-mails — until nothing is left, then reports `{ done }`.
 *
 * The parent kills it with SIGKILL at a state it waits for, never after a delay:
 * - CRASH_HOLD_SLICE=n: inside the n-th dispatch transaction, once its receipts are written, report
 *   `{ holding: n }` and wait there for the kill (the transaction stays open, its writes uncommitted);
 * - otherwise the parent's receivers hold a webhook request and an SMTP message unanswered and kill it then.
 * CRASH_BARRIER=1 (two processes at once, PostgreSQL): inside the first dispatch transaction, report
 * `{ holding: 1 }` and wait for 'go', so the parent starts both dispatchers' work at the same moment.
 * CRASH_CLOCK_OFFSET_MS moves this process's clock ahead, so a successor outlives the leases and claims its
 * killed predecessor left (60 s on the dispatch, the send timeouts on deliveries) without anybody sleeping.
 * Nothing here handles the kill: that is the point.
 */
import { loadConfig } from '../src/server/config.js';
import { connect } from '../src/server/db/connect.js';
import { sendDueEmails } from '../src/server/modules/notifications/email.sender.js';
import { dispatchOutbox } from '../src/server/modules/notifications/notifications.dispatcher.js';
import { deliverDueWebhooks } from '../src/server/modules/notifications/webhooks.sender.js';

export interface CrashWorkerDone {
  done: { events: number; webhooksAttempted: number; emailsAttempted: number };
}

async function deliverUntilIdle(): Promise<void> {
  const config = loadConfig();
  const ctx = connect(config.database);
  const offset = Number(process.env.CRASH_CLOCK_OFFSET_MS ?? 0);
  const now = () => new Date(Date.now() + offset).toISOString();
  const holdSlice = Number(process.env.CRASH_HOLD_SLICE ?? 0);
  const barrier = process.env.CRASH_BARRIER === '1';
  const go = new Promise<void>((resolve) => process.on('message', (m) => m === 'go' && resolve()));
  const batchSize = Number(process.env.CRASH_BATCH_SIZE ?? 1000);
  const smtpUrl = process.env.ORDERLY_SMTP_URL!;
  // Should the test itself die, this process must not outlive it.
  process.once('disconnect', () => process.exit(0));

  const done: CrashWorkerDone['done'] = { events: 0, webhooksAttempted: 0, emailsAttempted: 0 };
  for (;;) {
    const dispatched = await dispatchOutbox(ctx, {
      batchSize,
      owner: `crash-worker-${process.pid}`,
      now,
      insideSlice: async (slice) => {
        if (barrier && slice === 1) {
          process.send!({ holding: slice });
          await go;
        }
        if (slice !== holdSlice) return;
        process.send!({ holding: slice });
        await new Promise<never>(() => undefined);
      },
    });
    // Webhooks and e-mails side by side, as two receivers a kill can interrupt at the same moment.
    const [hooks, mails] = await Promise.all([
      deliverDueWebhooks(ctx, { allowPrivate: true, timeoutMs: 60_000, now }),
      sendDueEmails(ctx, { smtpUrl, from: 'orderly@example.com', now }),
    ]);
    done.events += dispatched.events;
    done.webhooksAttempted += hooks.attempted;
    done.emailsAttempted += mails.attempted;
    if (dispatched.events === 0 && hooks.attempted === 0 && mails.attempted === 0) break;
  }
  await ctx.close();
  process.send!({ done } satisfies CrashWorkerDone);
  // The 'message' listener keeps the channel open: the parent disconnects once it has the report.
}

deliverUntilIdle().catch((error) => {
  console.error(error);
  process.exit(1);
});
