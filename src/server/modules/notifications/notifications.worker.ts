import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config.js';
import type { Ctx } from '../../db/context.js';
import { dispatchOutbox } from './notifications.dispatcher.js';
import { sendDueEmails } from './email.sender.js';
import { deliverDueWebhooks } from './webhooks.sender.js';

export interface NotificationWorker {
  /** Runs a pass now (or right after the one in progress). */
  wake(): void;
  stop(): Promise<void>;
}

/**
 * The delivery loop of one instance: drain the outbox into inboxes, webhook deliveries and e-mails, then send
 * what is due. Woken after a request that published events (see notifications.routes.ts) so delivery follows the
 * commit at once; otherwise it polls, which also picks up other instances' events and scheduled retries.
 */
export function startNotificationWorker(ctx: Ctx, config: Config, log: FastifyBaseLogger, pollMs = 1000): NotificationWorker {
  const owner = randomUUID();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  const pass = async () => {
    await dispatchOutbox(ctx, { owner });
    await deliverDueWebhooks(ctx, { allowPrivate: config.webhookAllowPrivate, timeoutMs: config.webhookTimeoutMs });
    if (config.smtpUrl) await sendDueEmails(ctx, { smtpUrl: config.smtpUrl, from: config.mailFrom, publicUrl: config.publicUrl });
  };
  const run = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    clearTimeout(timer);
    running = pass()
      .catch((error) => log.error({ err: error }, 'notification delivery pass failed; it runs again shortly'))
      .finally(() => {
        running = undefined;
        if (stopped) return;
        if (again) {
          again = false;
          setImmediate(run);
        } else timer = setTimeout(run, pollMs).unref();
      });
  };
  timer = setTimeout(run, 0).unref();
  return {
    wake: run,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
