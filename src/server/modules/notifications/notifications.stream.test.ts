import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, DIALECTS, makeCustomer, makeProduct, type TestApp } from '../../../../test/helpers.js';
import { orderIn, previewAndDelete } from '../deletion/deletion.test-support.js';
import { dispatchOutbox } from './notifications.dispatcher.js';

/** Reads `event: notification` messages off a real Server-Sent Events connection. */
function openStream(base: string, cookie: string) {
  const counts: number[] = [];
  const waiters: Array<() => void> = [];
  let response: http.IncomingMessage | undefined;
  const request = http.get(`${base}/api/notifications/stream`, { headers: { cookie, accept: 'text/event-stream' } }, (res) => {
    response = res;
    let buffer = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (/^event: notification$/m.test(message)) counts.push(JSON.parse(message.match(/^data: (.*)$/m)![1]).unread);
        waiters.splice(0).forEach((w) => w());
      }
    });
  });
  return {
    counts,
    get headers() {
      return response?.headers;
    },
    /** Resolves when the n-th count has arrived (waits on the stream, not on a timer). */
    async nth(n: number): Promise<number> {
      while (counts.length < n) await new Promise<void>((resolve) => waiters.push(resolve));
      return counts[n - 1];
    },
    close: () => request.destroy(),
  };
}

describe.each(DIALECTS)('live unread count over Server-Sent Events (%s)', (dialect) => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => t?.close());

  it('the count rises when another user deletes an order and falls when read, on one open connection', async () => {
    const rep = await t.userWithRoles('stream_rep', ['sales_rep']);
    const manager = await t.userWithRoles('stream_mgr', ['sales_manager']);
    const customerId = (await makeCustomer(t.admin)).id;
    const productId = (await makeProduct(t.admin)).id;
    const order = await orderIn(manager, 'draft', customerId, [{ productId, quantity: 1 }], { ownerId: rep.userId });

    const stream = openStream(base, rep.cookie!);
    try {
      expect(await stream.nth(1)).toBe(0);
      expect(stream.headers?.['content-type']).toContain('text/event-stream');
      await previewAndDelete(manager, { ids: [order.id] });
      await dispatchOutbox(t.db.ctx);
      expect(await stream.nth(2)).toBe(1);
      await rep.post('/api/notifications/read', { all: true });
      expect(await stream.nth(3)).toBe(0);
    } finally {
      stream.close();
    }
  });

  it('refuses anonymous callers', async () => {
    const res = await fetch(`${base}/api/notifications/stream`);
    expect(res.status).toBe(401);
  });
});
