import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../../../test/helpers.js';
import { awkwardText, text } from '../../../../test/csv-cases.js';
import { bulkSeed } from '../../../cli/bulk-seed.js';
import { OrderExportQuery } from '../../../contracts/export.js';
import type { Ctx } from '../../db/context.js';
import { postgresCsvPages } from './export.csv-pg.js';
import { sqliteCsvPages } from './export.csv-sqlite.js';
import { csvChunks, csvPages, type CsvPage } from './export.formats.js';
import { exportLabels, type ExportLabels } from './export.labels.js';
import { measureSelection, summaryPages } from './export.rows.js';

/** Each database's own CSV path, in small pages so a file crosses many of them. */
const CSV_PATHS: Record<TestDatabase['config']['database']['dialect'], (ctx: Ctx, query: OrderExportQuery, upToId: number, labels?: ExportLabels) => AsyncGenerator<CsvPage>> = {
  sqlite: (ctx, query, upToId, labels) => sqliteCsvPages(ctx, query, {}, upToId, undefined, labels, 64),
  postgres: (ctx, query, upToId, labels) => postgresCsvPages(ctx, query, {}, upToId, undefined, 64, labels),
};

describe.each(DIALECTS)('CSV export path (%s)', (dialect) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    await bulkSeed(db.ctx, db.config.database, { orders: 600, customers: 40 });
  }, 60_000);
  afterAll(async () => db?.drop());

  it('writes byte for byte the file the general formatter writes, over awkward names, notes, amounts, statuses and time zones', async () => {
    const k = db.ctx.kysely;
    const orders = await k.selectFrom('orders').select(['id', 'customer_id']).orderBy('id').execute();
    const customers = await k.selectFrom('customers').select('id').orderBy('id').execute();
    const users = await k.selectFrom('users').select('id').orderBy('id').execute();
    // Raw; a zone east of UTC; one with daylight saving time; one whose offset is not whole hours.
    const labels = [undefined, exportLabels('zh-CN', 'Asia/Shanghai'), exportLabels('en', 'America/New_York'), exportLabels('en', 'Asia/Kolkata')];
    await fc.assert(
      fc.asyncProperty(
        fc.array(awkwardText, { minLength: orders.length, maxLength: orders.length }),
        fc.array(awkwardText.map((t) => t || 'x'), { minLength: customers.length, maxLength: customers.length }),
        fc.array(awkwardText, { minLength: users.length, maxLength: users.length }),
        fc.array(fc.integer({ min: -99_999, max: 99_999_999 }), { minLength: orders.length, maxLength: orders.length }),
        fc.constantFrom(...labels.keys()),
        async (notes, names, displayNames, amounts, l) => {
          await k.transaction().execute(async (trx) => {
            for (const [i, o] of orders.entries()) await trx.updateTable('orders').set({ note: notes[i], total: amounts[i], paid: amounts[(i + 1) % amounts.length] }).where('id', '=', o.id).execute();
            // A status the labels do not know travels as it is stored.
            await trx.updateTable('orders').set({ status: 'on_hold' }).where('id', '=', orders[7].id).execute();
            for (const [i, c] of customers.entries()) await trx.updateTable('customers').set({ name: names[i] }).where('id', '=', c.id).execute();
            for (const [i, u] of users.entries()) await trx.updateTable('users').set({ display_name: displayNames[i] }).where('id', '=', u.id).execute();
          });
          const query = OrderExportQuery.parse({ format: 'csv' });
          const { upToId } = await measureSelection(k, query, {});
          const expected = await text(csvChunks(csvPages(summaryPages(k, query, {}, upToId), labels[l])));
          const actual = await text(csvChunks(CSV_PATHS[dialect](db.ctx, query, upToId, labels[l])));
          expect(actual.length).toBe(expected.length);
          expect(actual === expected).toBe(true);
        },
      ),
      { numRuns: 8, endOnFailure: true },
    );
  }, 120_000);
});
