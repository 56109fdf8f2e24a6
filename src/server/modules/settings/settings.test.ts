import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, DIALECTS, type TestApp } from '../../../../test/helpers.js';

describe.each(DIALECTS)('settings over HTTP (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('reads every policy with its default, and a patch changes only what it names, audited with before and after', async () => {
    const initial = await t.admin.get('/api/settings');
    expect(initial.status).toBe(200);
    expect(initial.body).toEqual({
      retention: { draft: 30, cancelled: 30, confirmed: 30 },
      purgeNeedsSecondAdmin: false,
      approvalThreshold: null,
      requiredCustomerFields: [],
      deletionRequiresTraining: false,
      companyTimeZone: 'Asia/Shanghai',
      paymentTermsDays: 30,
    });

    const patched = await t.admin.patch('/api/settings', { retention: { draft: 7 }, approvalThreshold: '5000.00' });
    expect(patched.status).toBe(200);
    expect(patched.body.retention).toEqual({ draft: 7, cancelled: 30, confirmed: 30 });
    expect(patched.body.approvalThreshold).toBe('5000.00');
    expect((await t.admin.get('/api/settings')).body).toEqual(patched.body);

    const audit = await t.admin.get('/api/audit?entityType=setting');
    const entry = audit.body.items.find((e: { entityId: string }) => e.entityId === 'policies');
    expect(entry.diff).toEqual({
      retention: { from: { draft: 30, cancelled: 30, confirmed: 30 }, to: { draft: 7, cancelled: 30, confirmed: 30 } },
      approvalThreshold: { from: null, to: '5000.00' },
    });
  });

  it('refuses bad values naming the field, and writes none of the patch', async () => {
    const before = (await t.admin.get('/api/settings')).body;
    for (const [body, field] of [
      [{ retention: { cancelled: 0 } }, 'retention.cancelled'],
      [{ companyTimeZone: 'Mars/Olympus', deletionRequiresTraining: true }, 'companyTimeZone'],
      [{ approvalThreshold: 12.5 }, 'approvalThreshold'],
      [{ requiredCustomerFields: ['phone', 'phone'] }, 'requiredCustomerFields'],
      [{ noSuchPolicy: true }, ''],
    ] as const) {
      const answer = await t.admin.patch('/api/settings', body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.headers['content-type']).toMatch(/problem\+json/);
      if (field) expect(answer.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    expect((await t.admin.get('/api/settings')).body).toEqual(before);
  });

  it('purge needs a second admin by default once there are two enabled admins', async () => {
    expect((await t.admin.get('/api/settings')).body.purgeNeedsSecondAdmin).toBe(false);
    await t.userWithRoles('second-admin', ['admin']);
    expect((await t.admin.get('/api/settings')).body.purgeNeedsSecondAdmin).toBe(true);
    expect((await t.admin.patch('/api/settings', { purgeNeedsSecondAdmin: false })).body.purgeNeedsSecondAdmin).toBe(false);
    expect((await t.admin.get('/api/settings')).body.purgeNeedsSecondAdmin).toBe(false);
  });

  it('the old retention route sets one figure for every status', async () => {
    expect((await t.admin.put('/api/settings/retention', { days: 45 })).status).toBe(200);
    expect((await t.admin.get('/api/settings')).body.retention).toEqual({ draft: 45, cancelled: 45, confirmed: 45 });
  });
});
