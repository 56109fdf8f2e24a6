import { describe, expect, it } from 'vitest';
import { MAX_CACHED_NAMES, NameCache } from './export.rows.js';

describe('the export name cache', () => {
  it('still names every id of a page when that page makes it start afresh', async () => {
    const loaded: number[] = [];
    const cache = new NameCache(async (ids) => {
      loaded.push(...ids);
      return ids.map((id) => ({ id, name: `name ${id}` }));
    });
    // Fill it to one short of its bound, a page of 5,000 ids at a time, as an export of many customers does.
    for (let first = 1; first < MAX_CACHED_NAMES; first += 5_000) {
      await cache.resolve(Array.from({ length: Math.min(5_000, MAX_CACHED_NAMES - first) }, (_, i) => first + i));
    }
    loaded.length = 0;
    // A page mixing names already cached (1 and 7) with two new ones crosses the bound.
    const page = [1, MAX_CACHED_NAMES + 1, 7, MAX_CACHED_NAMES + 2, 1];
    const names = await cache.resolve(page);
    expect(page.map((id) => names.get(id))).toEqual(['name 1', `name ${MAX_CACHED_NAMES + 1}`, 'name 7', `name ${MAX_CACHED_NAMES + 2}`, 'name 1']);
    expect(loaded.sort((a, b) => a - b)).toEqual([1, 7, MAX_CACHED_NAMES + 1, MAX_CACHED_NAMES + 2]);
    // The next page of known ids is served from the refilled cache.
    loaded.length = 0;
    expect((await cache.resolve([7, 1])).get(7)).toBe('name 7');
    expect(loaded).toEqual([]);
  });
});
