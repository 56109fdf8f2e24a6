import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../../../test/helpers.js';
import { getRetention, getSettings, RETENTION_KEY } from './settings.service.js';

/** A deletion reads the retention policy alone (getRetention); it must read what getSettings reads, whatever is stored. */
describe.each(DIALECTS)('retention as a deletion reads it (%s)', (dialect) => {
  let t: TestDatabase;
  const db = () => t.ctx.kysely;
  const put = async (key: string, value: string) => {
    await db().deleteFrom('settings').where('key', '=', key).execute();
    await db().insertInto('settings').values({ key, value, updated_at: '2026-01-01T00:00:00.000Z' }).execute();
  };

  beforeAll(async () => {
    t = await createTestDatabase(dialect);
  });
  afterAll(async () => t?.drop());

  it('agrees with getSettings: defaults, the old single figure, a per-status policy, and a policy that no longer validates', async () => {
    const expectSame = async (expected: { draft: number; cancelled: number; confirmed: number }) => {
      expect((await getSettings(db())).retention).toEqual(expected);
      expect(await getRetention(db())).toEqual(expected);
    };
    await db().deleteFrom('settings').where('key', 'in', [RETENTION_KEY, 'policy.retention']).execute();
    await expectSame({ draft: 30, cancelled: 30, confirmed: 30 });
    await put(RETENTION_KEY, '45');
    await expectSame({ draft: 45, cancelled: 45, confirmed: 45 });
    await put('policy.retention', JSON.stringify({ draft: 7, cancelled: 14, confirmed: 60 }));
    await expectSame({ draft: 7, cancelled: 14, confirmed: 60 });
    await put('policy.retention', JSON.stringify({ draft: 0, cancelled: 'x' }));
    await expectSame({ draft: 45, cancelled: 45, confirmed: 45 });
  });
});
