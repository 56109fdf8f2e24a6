/**
 * Guided tours seen, kept on the account (issue 15): the welcome tour starts on a user's first sign-in on any
 * browser until it is marked seen, stays seen in every later session, can be reset to start again, and an
 * unknown tour is refused naming the field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, Client, DIALECTS, type TestApp } from '../../../../test/helpers.js';

describe.each(DIALECTS)('tours seen (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('a new user has seen no tour; a seen tour stays seen in a new session, is theirs alone, and can be reset', async () => {
    const rep = await t.userWithRoles('tour_rep', ['sales_rep']);
    expect((await rep.get('/api/me')).body.toursSeen).toEqual([]);

    expect((await rep.put('/api/me/tours/welcome', undefined)).status).toBe(204);
    // Marking twice is harmless (two tabs, a retried request).
    expect((await rep.put('/api/me/tours/welcome', undefined)).status).toBe(204);
    expect((await rep.put('/api/me/tours/recycle-bin', undefined)).status).toBe(204);
    expect((await rep.get('/api/me')).body.toursSeen).toEqual(['recycle-bin', 'welcome']);

    const elsewhere = await new Client(t.app).login('tour_rep', 'tour_rep-password-1');
    expect((await elsewhere.get('/api/me')).body.toursSeen).toEqual(['recycle-bin', 'welcome']);
    expect((await t.admin.get('/api/me')).body.toursSeen).not.toContain('recycle-bin');
    // PATCH /api/me answers with the same account, tours included.
    expect((await elsewhere.patch('/api/me', { timeZone: 'Asia/Shanghai' })).body.toursSeen).toEqual(['recycle-bin', 'welcome']);

    expect((await elsewhere.delete('/api/me/tours/welcome')).status).toBe(204);
    expect((await rep.get('/api/me')).body.toursSeen).toEqual(['recycle-bin']);
    // Resetting a tour that was never seen is as harmless as marking one twice.
    expect((await rep.delete('/api/me/tours/backups')).status).toBe(204);
  });

  it('refuses a tour that does not exist with a problem naming tourId, and stores nothing', async () => {
    const user = await t.userWithRoles('tour_bad', ['warehouse']);
    for (const call of [() => user.put('/api/me/tours/nope', undefined), () => user.delete('/api/me/tours/nope')]) {
      const res = await call();
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'tourId' })]);
    }
    expect((await user.get('/api/me')).body.toursSeen).toEqual([]);
  });

  it('a signed-out caller cannot mark a tour', async () => {
    expect((await new Client(t.app).put('/api/me/tours/welcome', undefined)).status).toBe(401);
  });
});
