import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../../../test/helpers.js';
import { text } from '../../../../test/csv-cases.js';
import { bulkSeed } from '../../../cli/bulk-seed.js';
import { OrderExportQuery } from '../../../contracts/export.js';
import { postgresCsvPages } from './export.csv-pg.js';
import { csvChunks, csvPages } from './export.formats.js';
import { exportLabels } from './export.labels.js';
import { measureSelection, summaryPages } from './export.rows.js';

describe.runIf(DIALECTS.includes('postgres'))('PostgreSQL CSV export path', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    await bulkSeed(db.ctx, db.config.database, { orders: 600, customers: 40 });
  }, 60_000);
  afterAll(async () => db?.drop());

  it('honours the filter and the caller scope like the list does, and stops when the reader stops', async () => {
    const k = db.ctx.kysely;
    const owner = await k.selectFrom('orders').select('owner_id').limit(1).executeTakeFirstOrThrow();
    const query = OrderExportQuery.parse({ format: 'csv', status: 'confirmed,shipped' });
    const scope = { ownerId: owner.owner_id };
    const { rows, upToId } = await measureSelection(k, query, scope);
    expect(rows).toBeGreaterThan(0);
    const expected = await text(csvChunks(csvPages(summaryPages(k, query, scope, upToId))));
    expect(await text(csvChunks(postgresCsvPages(db.ctx, query, scope, upToId)))).toBe(expected);
    // The file in the reader's language and time zone is the same on both paths too.
    const labels = exportLabels('zh-CN', 'Asia/Shanghai');
    const labelled = await text(csvChunks(csvPages(summaryPages(k, query, scope, upToId), labels)));
    expect(labelled).toContain('+08:00');
    expect(await text(csvChunks(postgresCsvPages(db.ctx, query, scope, upToId, undefined, undefined, labels)))).toBe(labelled);

    const countOrders = async () => Number((await k.selectFrom('orders').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const ordersBefore = await countOrders();
    const stop = new AbortController();
    let chunks = 0;
    for await (const _page of postgresCsvPages(db.ctx, OrderExportQuery.parse({ format: 'csv' }), {}, Number.MAX_SAFE_INTEGER, stop.signal, 100)) {
      chunks++;
      stop.abort();
    }
    expect(chunks).toBe(1);
    // The cursor's connection went back to the pool in a usable state.
    expect(await countOrders()).toBe(ordersBefore);
    expect(ordersBefore).toBeGreaterThan(0);
  });
});
