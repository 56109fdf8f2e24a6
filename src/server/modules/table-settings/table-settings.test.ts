/**
 * Each user's column layout and density of the lists (issue 18), kept on the server: it follows the user to
 * another session, is theirs alone, and a bad shape or an unknown list is refused with the field named.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TABLE_COLUMNS } from '../../../contracts/table-settings.js';
import { buildTestApp, Client, DIALECTS, type TestApp } from '../../../../test/helpers.js';

describe.each(DIALECTS)('table settings (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it("a list's own layout until the user changes it; the change follows the user to a new session and is theirs alone", async () => {
    const rep = await t.userWithRoles('ts_rep', ['sales_rep']);
    const initial = await rep.get('/api/me/table-settings/orders');
    expect(initial.status).toBe(200);
    expect(initial.body).toEqual({ columns: TABLE_COLUMNS.orders.map((key) => ({ key, visible: true })), density: 'middle' });

    const layout = {
      columns: [
        { key: 'total', visible: true, width: 180 },
        { key: 'number', visible: true, width: 200 },
        { key: 'customer', visible: false },
        { key: 'status', visible: true },
        { key: 'owner', visible: false },
        { key: 'createdAt', visible: true },
      ],
      density: 'small',
    };
    const saved = await rep.put('/api/me/table-settings/orders', layout);
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body).toEqual(layout);

    const elsewhere = await new Client(t.app).login('ts_rep', 'ts_rep-password-1');
    expect((await elsewhere.get('/api/me/table-settings/orders')).body).toEqual(layout);
    // Another list, and another user, keep their own.
    expect((await elsewhere.get('/api/me/table-settings/stock')).body.density).toBe('middle');
    expect((await t.admin.get('/api/me/table-settings/orders')).body.density).toBe('middle');

    const again = await rep.put('/api/me/table-settings/orders', { ...layout, density: 'default' });
    expect(again.body.density).toBe('default');
    expect((await elsewhere.get('/api/me/table-settings/orders')).body.density).toBe('default');
  });

  it('fills in the columns a saved layout does not name, after the named ones', async () => {
    const user = await t.userWithRoles('ts_partial', ['auditor']);
    const saved = await user.put('/api/me/table-settings/audit', { columns: [{ key: 'ip', visible: true, width: 120 }], density: 'middle' });
    expect(saved.status).toBe(200);
    expect(saved.body.columns.map((c: { key: string }) => c.key)).toEqual(['ip', 'at', 'actor', 'action', 'entity', 'reason']);
    expect(saved.body.columns[0]).toEqual({ key: 'ip', visible: true, width: 120 });
  });

  it('an unknown list is 404; a bad shape is 400 naming the field, and nothing is stored', async () => {
    const user = await t.userWithRoles('ts_bad', ['finance']);
    expect((await user.get('/api/me/table-settings/nope')).status).toBe(404);
    expect((await user.put('/api/me/table-settings/nope', { columns: [], density: 'middle' })).status).toBe(404);

    const cases: Array<[unknown, string]> = [
      [{ columns: [{ key: 'sku', visible: true }], density: 'huge' }, 'density'],
      [{ columns: [{ key: 'sku', visible: 'yes' }], density: 'small' }, 'columns.0.visible'],
      [{ columns: [{ key: 'sku', visible: true, width: 5 }], density: 'small' }, 'columns.0.width'],
      [{ columns: [{ key: 'sku', visible: true }, { key: 'sku', visible: true }], density: 'small' }, 'columns.1.key'],
      [{ columns: [{ key: 'sku', visible: true }, { key: 'colour', visible: true }], density: 'small' }, 'columns.1.key'],
      [{ columns: [{ key: 'sku', visible: false }], density: 'small' }, 'columns'],
      [{ density: 'small' }, 'columns'],
    ];
    for (const [body, field] of cases) {
      const res = await user.put('/api/me/table-settings/stock', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.errors.map((e: { field: string }) => e.field), JSON.stringify(res.body)).toContain(field);
    }
    expect((await user.get('/api/me/table-settings/stock')).body.density).toBe('middle');
  });

  it('signed out, there is no layout to read', async () => {
    const anonymous = t.anonymous();
    expect((await anonymous.get('/api/me/table-settings/orders')).status).toBe(401);
  });
});
