import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../platform/actor.js';
import { buildTestApp, DIALECTS, type TestApp } from '../../../../test/helpers.js';
import { PracticeWorkspaces, type SandboxAppBuilder } from './practice.workspaces.js';

const HOUR = 3_600_000;

// Sandboxes are SQLite files whatever the real database is; the real one is read to mirror the user.
describe.each(DIALECTS)('practice sandboxes that fail to close (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(() => t.close());

  it('are reported and their connection and files still go, whether an expired session, the idle sweep or closing found them', { timeout: 120_000 }, async () => {
    const failure = new Error('the sandbox app failed to close');
    // An app that starts but cannot close: before, the background discard of it was an unhandled rejection, which
    // stops a Node 20 server.
    const failingApp = (async () => ({ ready: async () => undefined, close: async () => Promise.reject(failure) })) as unknown as SandboxAppBuilder;
    const errors: unknown[] = [];
    const workspaces = new PracticeWorkspaces(t.db.config, failingApp, (error) => errors.push(error), HOUR);
    const admin = await t.db.ctx.kysely.selectFrom('users').select('id').where('username', '=', 'admin').executeTakeFirstOrThrow();
    const actor: Actor = { type: 'user', userId: admin.id, name: 'admin', permissions: {}, ip: null, userAgent: null, requestId: null };
    // The sandbox's folder, to see that its files are removed.
    const openedDir = () => [...(workspaces as unknown as { byUser: Map<number, { dir: string }> }).byUser.values()][0].dir;
    let clock = Date.now();
    workspaces.now = () => clock;

    expect((await workspaces.open(t.db.ctx, actor, 'session-1', 'csrf-1')).active).toBe(true);
    const first = openedDir();
    expect(fs.existsSync(first)).toBe(true);
    clock += 2 * HOUR;
    expect(workspaces.activeFor('session-1')).toBeUndefined();
    await expect.poll(() => errors).toEqual([failure]);
    await expect.poll(() => fs.existsSync(first)).toBe(false);
    expect(workspaces.openCount).toBe(0);

    await workspaces.open(t.db.ctx, actor, 'session-2', 'csrf-2');
    const second = openedDir();
    clock += 2 * HOUR;
    await expect(workspaces.sweep()).resolves.toBe(1);
    expect(errors).toEqual([failure, failure]);
    expect(fs.existsSync(second)).toBe(false);

    await workspaces.open(t.db.ctx, actor, 'session-3', 'csrf-3');
    const third = openedDir();
    await expect(workspaces.close()).resolves.toBeUndefined();
    expect(errors).toEqual([failure, failure, failure]);
    expect(fs.existsSync(third)).toBe(false);
    expect(workspaces.openCount).toBe(0);
  });
});
