import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, DIALECTS, makeCustomer, type TestApp } from '../../../test/helpers.js';
import { mergeSearchIndex, searchIndexJob, searchIndexSegments } from './search-index.js';

/**
 * The name search index after customers came one at a time (each its own transaction, as people add them): SQLite's
 * FTS5 segments merged into one, PostgreSQL's GIN pending list moved into the index; searches answer the same.
 */
describe.each(DIALECTS)('customer-name search index upkeep (%s)', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(async () => t?.close());

  const search = async (q: string) => {
    const res = await t.admin.get(`/api/customers?q=${encodeURIComponent(q)}&limit=200`);
    expect(res.status).toBe(200);
    return (res.body.items as Array<{ name: string }>).map((c) => c.name).sort();
  };

  it('merges what single additions left behind, and searches find the same customers after', async () => {
    const names = Array.from({ length: 24 }, (_, i) => `${['Harbor', 'Summit', '明辉'][i % 3]} Segment ${i} ${i % 2 ? 'Ltd' : 'Trading'}`);
    for (const name of names) await makeCustomer(t.admin, name);
    const before = { harbor: await search('harbor seg'), ltd: await search('ltd'), chinese: await search('明辉') };
    expect(before.harbor).toHaveLength(8);
    expect(before.ltd).toHaveLength(12);
    expect(before.chinese).toHaveLength(8);

    const upkeep = await mergeSearchIndex(t.db.ctx);
    if (dialect === 'sqlite') {
      expect(upkeep.segmentsBefore).toBeGreaterThan(1);
      expect(upkeep.segmentsAfter).toBe(1);
      expect(await searchIndexSegments(t.db.ctx)).toBe(1);
    } else {
      // Every addition went to the pending list (no vacuum has run on this database).
      expect(upkeep.pagesCleaned).toBeGreaterThan(0);
    }
    expect({ harbor: await search('harbor seg'), ltd: await search('ltd'), chinese: await search('明辉') }).toEqual(before);

    // Nothing left to do: the job's next run changes nothing.
    const again = await searchIndexJob().run(t.db.ctx);
    expect(again).toEqual(dialect === 'sqlite' ? { segmentsBefore: 1, segmentsAfter: 1 } : { pagesCleaned: 0 });

    // A customer added afterwards is found, and merged in on the next run.
    await makeCustomer(t.admin, 'Harbor Segment late Ltd');
    expect(await search('harbor seg')).toHaveLength(9);
    const later = await mergeSearchIndex(t.db.ctx);
    if (dialect === 'sqlite') expect(later).toEqual({ segmentsBefore: 2, segmentsAfter: 1 });
    else expect(later.pagesCleaned).toBeGreaterThan(0);
    expect(await search('harbor seg')).toHaveLength(9);

    if (dialect === 'postgres') {
      // Where pg_trgm could not be installed there is no trigram index: the job finds nothing to clean.
      await sql`drop index customers_name_key_trgm`.execute(t.db.ctx.kysely);
      expect(await mergeSearchIndex(t.db.ctx)).toEqual({ pagesCleaned: 0 });
      expect(await search('harbor seg')).toHaveLength(9);
    }
  });
});
