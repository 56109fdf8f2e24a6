import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, buildTestApp, DIALECTS, type TestApp } from '../../../../test/helpers.js';

const STEP_UP_REQUIRED = 'https://orderly.dev/problems/step-up-required';

describe.each(DIALECTS)('role grants need a step-up (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('creating a granting role and changing grants are 403 step-up-required until the password is confirmed; an empty role and a description are not', async () => {
    const { admin } = t;
    const refusedCreate = await admin.post('/api/roles', { name: 'night_clerk', grants: ['orders.read'] });
    expect(refusedCreate.status).toBe(403);
    expect(refusedCreate.body.type).toBe(STEP_UP_REQUIRED);
    // A role that grants nothing changes nobody's access.
    const empty = await admin.post('/api/roles', { name: 'night_clerk', grants: [] });
    expect(empty.status).toBe(201);
    expect((await admin.patch(`/api/roles/${empty.body.id}`, { description: 'Evenings' })).status).toBe(200);
    const refusedGrant = await admin.patch(`/api/roles/${empty.body.id}`, { grants: ['orders.read', 'orders.export'] });
    expect(refusedGrant.status).toBe(403);
    expect(refusedGrant.body.type).toBe(STEP_UP_REQUIRED);
    expect((await admin.get('/api/roles')).body.items.find((r: { id: string }) => r.id === empty.body.id).grants).toEqual([]);

    expect((await admin.post('/api/auth/step-up', { password: ADMIN_PASSWORD })).status).toBe(200);
    expect((await admin.patch(`/api/roles/${empty.body.id}`, { grants: ['orders.read'] })).status).toBe(200);
    expect((await admin.delete(`/api/roles/${empty.body.id}`)).status).toBe(204);
    const audit = (await admin.get('/api/audit?entityType=role&action=role.update')).body.items;
    expect(audit[0].diff.grants).toEqual({ from: [], to: ['orders.read'] });
  });
});
