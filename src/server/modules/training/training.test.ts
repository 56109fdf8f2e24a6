import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, DIALECTS, makeCustomer, makeOrder, makeProduct, type TestApp } from '../../../../test/helpers.js';

const RIGHT = { confirmed: 'release', shipped: 'instead', reason: 'other', bin: 'bin', restore: 'request' };

describe.each(DIALECTS)('training (%s)', (dialect) => {
  let t: TestApp;
  let customerId: string;
  let productId: string;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
    customerId = (await makeCustomer(t.admin)).id;
    productId = (await makeProduct(t.admin)).id;
  });
  afterAll(() => t.close());

  it('with deletionRequiresTraining, delete-preview and delete answer 403 training-required until the course is passed', async () => {
    expect((await t.admin.patch('/api/settings', { deletionRequiresTraining: true })).status).toBe(200);
    const rep = await t.userWithRoles('gate_rep', ['sales_rep']);
    const order = await makeOrder(rep, customerId, [{ productId, quantity: 1 }]);

    const courses = await rep.get('/api/training/courses');
    const course = courses.body.items.find((c: { id: string }) => c.id === 'safe-deletion');
    expect(course).toMatchObject({ passed: false, assigned: true, bestScore: null });
    expect(course.lessons.length).toBeGreaterThan(0);

    const preview = await rep.post('/api/orders/delete-preview', { ids: [order.id] });
    expect(preview.status).toBe(403);
    expect(preview.headers['content-type']).toContain('application/problem+json');
    expect(preview.body.type).toBe('https://orderly.dev/problems/training-required');
    expect(preview.body.courseId).toBe('safe-deletion');
    // The gate holds for everyone, administrators included: nobody has passed yet.
    expect((await t.admin.post('/api/orders/delete-preview', { ids: [order.id] })).status).toBe(403);
    const blocked = await rep.post('/api/orders/delete', { ids: [order.id], reason: { code: 'test_data' }, previewToken: 'any-token' });
    expect(blocked.status).toBe(403);
    expect(blocked.body.type).toBe('https://orderly.dev/problems/training-required');
    expect((await rep.delete(`/api/orders/${order.id}`, { reason: { code: 'test_data' } })).status).toBe(403);
    expect((await t.admin.get(`/api/orders/${order.id}`)).body.status).toBe('draft');

    // Two of five right: 40 %, below the pass mark; the gate stays shut.
    const failed = await rep.post('/api/training/courses/safe-deletion/attempts', { answers: { confirmed: 'release', shipped: 'instead', reason: 'none', bin: 'gone' } });
    expect(failed.body).toEqual({ passed: false, score: 40, wrong: ['reason', 'bin', 'restore'] });
    expect((await rep.post('/api/orders/delete-preview', { ids: [order.id] })).status).toBe(403);

    const passed = await rep.post('/api/training/courses/safe-deletion/attempts', { answers: RIGHT });
    expect(passed.body).toEqual({ passed: true, score: 100, wrong: [] });
    const open = await rep.post('/api/orders/delete-preview', { ids: [order.id] });
    expect(open.status).toBe(200);
    const done = await rep.post('/api/orders/delete', { ids: [order.id], reason: { code: 'test_data' }, previewToken: open.body.previewToken });
    expect(done.status).toBe(200);
    expect(done.body.deleted.map((d: { id: string }) => d.id)).toEqual([order.id]);

    const after = (await rep.get('/api/training/courses')).body.items.find((c: { id: string }) => c.id === 'safe-deletion');
    expect(after).toMatchObject({ passed: true, bestScore: 100 });
    const audit = await t.admin.get('/api/audit?entityType=course');
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['training.failed', 'training.passed']));
    expect((await t.admin.patch('/api/settings', { deletionRequiresTraining: false })).status).toBe(200);
  });

  it('scores only real questions and options, and records lessons read', async () => {
    const rep = await t.userWithRoles('quiz_rep', ['sales_rep']);
    const bad = await rep.post('/api/training/courses/safe-deletion/attempts', { answers: { confirmed: 'maybe' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('answers.confirmed');
    expect((await rep.post('/api/training/courses/safe-deletion/attempts', { answers: { nope: 'x' } })).status).toBe(400);
    expect((await rep.post('/api/training/courses/no-such-course/attempts', { answers: {} })).status).toBe(404);
    // Nothing answered is nothing right.
    expect((await rep.post('/api/training/courses/safe-deletion/attempts', { answers: {} })).body).toMatchObject({ passed: false, score: 0 });
    // Four of five: exactly the pass mark of 80.
    expect((await rep.post('/api/training/courses/safe-deletion/attempts', { answers: { ...RIGHT, restore: 'wait' } })).body).toEqual({ passed: true, score: 80, wrong: ['restore'] });

    const read = await rep.post('/api/training/courses/safe-deletion/lessons/deleting/read');
    expect(read.body).toEqual({ courseId: 'safe-deletion', lessonsRead: ['deleting'] });
    await rep.post('/api/training/courses/safe-deletion/lessons/deleting/read');
    expect((await rep.post('/api/training/courses/safe-deletion/lessons/purge/read')).body.lessonsRead).toEqual(['deleting', 'purge']);
    expect((await rep.post('/api/training/courses/safe-deletion/lessons/nope/read')).status).toBe(404);
  });

  it("admins assign courses to roles or users and see who has passed, as a table and as CSV", async () => {
    const passer = await t.userWithRoles('report_pass', ['warehouse']);
    const pending = await t.userWithRoles('report_pending', ['finance']);
    expect((await t.admin.post('/api/training/assignments', { courseId: 'safe-deletion', role: 'warehouse' })).status).toBe(201);
    const direct = await t.admin.post('/api/training/assignments', { courseId: 'safe-deletion', userId: pending.userId });
    expect(direct.status).toBe(201);
    expect(direct.body).toMatchObject({ courseId: 'safe-deletion', userId: pending.userId, username: 'report_pending', role: null });
    expect((await t.admin.post('/api/training/assignments', { courseId: 'safe-deletion' })).status).toBe(400);
    expect((await t.admin.post('/api/training/assignments', { courseId: 'safe-deletion', role: 'no_such_role' })).body.errors[0].field).toBe('role');
    expect((await pending.get('/api/training/assignments')).status).toBe(403);
    expect((await pending.get('/api/training/courses')).body.items[0].assigned).toBe(true);

    await passer.post('/api/training/courses/safe-deletion/attempts', { answers: { confirmed: 'nothing' } });
    await passer.post('/api/training/courses/safe-deletion/attempts', { answers: RIGHT });
    const report = await t.admin.get('/api/training/report?courseId=safe-deletion');
    expect(report.status).toBe(200);
    const row = (name: string) => report.body.items.find((r: { username: string }) => r.username === name);
    expect(row('report_pass')).toMatchObject({ assigned: true, passed: true, attempts: 2, bestScore: 100, roles: ['warehouse'] });
    expect(row('report_pass').passedAt).toMatch(/^\d{4}-/);
    expect(row('report_pending')).toMatchObject({ assigned: true, passed: false, attempts: 0, bestScore: null, passedAt: null });
    expect(row('admin')).toMatchObject({ assigned: false, passed: false });

    const csv = await t.admin.get('/api/training/report/export?courseId=safe-deletion');
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = (csv.body as string).replace('\uFEFF', '').trim().split('\r\n');
    expect(lines[0]).toBe('username,display_name,roles,assigned,passed,passed_at,best_score,attempts,lessons_read');
    expect(lines.find((l) => l.startsWith('report_pass,'))).toMatch(/^report_pass,,warehouse,yes,yes,\d{4}-.*,100,2,0$/);
    expect(lines.find((l) => l.startsWith('report_pending,'))).toBe('report_pending,,finance,yes,no,,,0,0');
    expect((await pending.get('/api/training/report')).status).toBe(403);

    const list = await t.admin.get('/api/training/assignments');
    expect(list.body.items).toHaveLength(2);
    expect((await t.admin.delete(`/api/training/assignments/${direct.body.id}`)).status).toBe(204);
    expect((await t.admin.get('/api/training/assignments')).body.items).toHaveLength(1);
    expect((await pending.get('/api/training/courses')).body.items[0].assigned).toBe(false);
  });
});
