import { createSecretKey, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, Client, createTestDatabase, DIALECTS, makeCustomer, type TestDatabase } from '../../../../test/helpers.js';
import { buildApp } from '../../app.js';
import type { Config } from '../../config.js';
import { systemActor } from '../../platform/actor.js';
import type { App } from '../../platform/http.js';
import { verifyAudit } from '../audit/audit.service.js';
import { readManifest } from './backup.files.js';
import { createBackup, locateBackup, restoreBackup, verifyBackup } from './backup.service.js';

const actor = systemActor('test');

/** Every byte a backup folder holds, table files decompressed, as one text to search. */
function backupText(dir: string): string {
  return fs
    .readdirSync(dir)
    .map((f) => {
      const bytes = fs.readFileSync(path.join(dir, f));
      return f.endsWith('.gz') ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
    })
    .join('\n');
}

describe.each(DIALECTS)('backups hold no secrets, and may be encrypted (%s)', (dialect) => {
  let db: TestDatabase;
  let config: Config;
  let app: App;
  let admin: Client;
  let secrets: string[];
  let signedOutCookie: string;

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    config = { ...db.config, backupDir: fs.mkdtempSync(path.join(os.tmpdir(), 'orderly-secret-backups-')) };
    app = await buildApp(config, db.ctx, { logger: false });
    await app.ready();
    admin = await new Client(app).login('admin', ADMIN_PASSWORD);
    expect((await admin.post('/api/users', { username: 'wang.fang', password: 'wang-fang-password-1', roles: ['sales_rep'] })).status).toBe(201);
    const rep = await new Client(app).login('wang.fang', 'wang-fang-password-1');
    await makeCustomer(admin, '深圳华南贸易');
    const token = await admin.post('/api/tokens', { name: 'erp sync' });
    expect(token.status).toBe(201);
    // A session signed out before the backup is taken: it must never come back.
    const leaving = await new Client(app).login('admin', ADMIN_PASSWORD);
    signedOutCookie = leaving.cookie!;
    expect((await leaving.post('/api/auth/logout')).status).toBeLessThan(300);
    const k = db.ctx.kysely;
    const users = await k.selectFrom('users').select('password_hash').execute();
    const tokens = await k.selectFrom('api_tokens').select('token_hash').execute();
    const sessions = await k.selectFrom('sessions').select(['id', 'csrf_token']).execute();
    expect(sessions.length).toBeGreaterThanOrEqual(2);
    secrets = [
      ...users.map((u) => u.password_hash),
      ...tokens.map((t) => t.token_hash),
      ...sessions.flatMap((s) => [s.id, s.csrf_token]),
      token.body.token,
      admin.cookie!.split('=')[1],
      rep.cookie!.split('=')[1],
    ];
    expect(secrets.every((s) => s.length >= 16)).toBe(true);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
    fs.rmSync(config.backupDir, { recursive: true, force: true });
  });

  it('a default backup holds no sessions, password or token hashes; owner-only files; it says so in its manifest', async () => {
    const backup = await createBackup(db.ctx, config, actor);
    const { dir } = locateBackup(config, backup.name);
    const manifest = readManifest(dir);
    expect(manifest).toMatchObject({ formatVersion: 2, secrets: 'redacted', encryption: null });
    expect(manifest.redactedColumns).toEqual(expect.arrayContaining(['users.password_hash', 'api_tokens.token_hash']));
    expect(manifest.tables.find((t) => t.name === 'sessions')!.rows).toBe(0);
    const text = backupText(dir);
    expect(text).toContain('深圳华南贸易');
    expect(text).not.toContain('$argon2');
    for (const secret of secrets) expect(text).not.toContain(secret);

    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    for (const f of fs.readdirSync(dir)) expect(fs.statSync(path.join(dir, f)).mode & 0o777, f).toBe(0o600);
    expect((await verifyBackup(db.ctx, { name: backup.name, dir }, actor)).ok).toBe(true);
    expect(fs.statSync(path.join(dir, 'verification.json')).mode & 0o777).toBe(0o600);

    // Restored: accounts that exist in the target keep their password; the others and the tokens are dead.
    const target = await createTestDatabase(dialect);
    try {
      await restoreBackup(target.ctx, { name: backup.name, dir });
      expect(await target.ctx.kysely.selectFrom('sessions').selectAll().execute()).toEqual([]);
      const restoredApp = await buildApp({ ...target.config, jobs: false }, target.ctx, { logger: false });
      try {
        await new Client(restoredApp).login('admin', ADMIN_PASSWORD);
        const rep = await restoredApp.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'wang.fang', password: 'wang-fang-password-1' } });
        expect(rep.statusCode).toBe(401);
        const tokens = await target.ctx.kysely.selectFrom('api_tokens').select('revoked_at').execute();
        expect(tokens.length).toBe(1);
        expect(tokens.every((t) => t.revoked_at !== null)).toBe(true);
        expect((await verifyAudit(target.ctx, target.config)).ok).toBe(true);
      } finally {
        await restoredApp.close();
      }
    } finally {
      await target.drop();
    }
  });

  it('a full-fidelity backup keeps the hashes and says so, but still no sessions: a signed-out session stays signed out after restore', async () => {
    const backup = await createBackup(db.ctx, config, actor, { full: true });
    const { dir } = locateBackup(config, backup.name);
    const manifest = readManifest(dir);
    expect(manifest).toMatchObject({ secrets: 'included', redactedColumns: [] });
    const text = backupText(dir);
    expect(text).toContain('$argon2');
    expect(text).not.toContain(signedOutCookie.split('=')[1]);
    expect(manifest.tables.find((t) => t.name === 'sessions')!.rows).toBe(0);

    const target = await createTestDatabase(dialect);
    try {
      await restoreBackup(target.ctx, { name: backup.name, dir });
      const restoredApp = await buildApp({ ...target.config, jobs: false }, target.ctx, { logger: false });
      try {
        const me = await restoredApp.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: signedOutCookie } });
        expect(me.statusCode).toBe(401);
        // With the hashes kept, every account signs in as before.
        await new Client(restoredApp).login('wang.fang', 'wang-fang-password-1');
      } finally {
        await restoredApp.close();
      }
    } finally {
      await target.drop();
    }
  });

  it('an encrypted backup verifies and restores with its key; a wrong or missing key fails clearly and writes nothing', async () => {
    const key = createSecretKey(randomBytes(32));
    const encrypted = { ...config, backupKey: key };
    const backup = await createBackup(db.ctx, encrypted, actor);
    const { dir } = locateBackup(config, backup.name);
    const manifest = readManifest(dir);
    expect(manifest.encryption).toMatchObject({ algorithm: 'aes-256-gcm', keyId: expect.stringMatching(/^[0-9a-f]{16}$/) });
    const customers = fs.readFileSync(path.join(dir, 'customers.jsonl.gz'));
    expect([customers[0], customers[1]]).not.toEqual([0x1f, 0x8b]);
    expect(() => gunzipSync(customers)).toThrow();
    expect(customers.includes(Buffer.from('深圳华南贸易'))).toBe(false);

    expect(await verifyBackup(db.ctx, { name: backup.name, dir }, actor, key)).toMatchObject({ ok: true, auditChain: { ok: true } });
    const wrong = await verifyBackup(db.ctx, { name: backup.name, dir }, actor, createSecretKey(randomBytes(32)));
    expect(wrong.ok).toBe(false);
    expect(wrong.problems.join()).toMatch(/encrypted with key [0-9a-f]{16}, but ORDERLY_BACKUP_KEY is key [0-9a-f]{16}: wrong key/);
    expect((await verifyBackup(db.ctx, { name: backup.name, dir }, actor, null)).problems.join()).toMatch(/ORDERLY_BACKUP_KEY is not set/);

    const target = await createTestDatabase(dialect);
    try {
      await expect(restoreBackup(target.ctx, { name: backup.name, dir }, { backupKey: createSecretKey(randomBytes(32)) })).rejects.toThrow(/failed verification, so nothing was restored:\n {2}- .*wrong key/);
      expect(await target.ctx.kysely.selectFrom('customers').selectAll().execute()).toEqual([]);
      const restored = await restoreBackup(target.ctx, { name: backup.name, dir }, { backupKey: key });
      expect(restored.auditChain.ok).toBe(true);
      const names = (await target.ctx.kysely.selectFrom('customers').select('name').execute()).map((c) => c.name);
      expect(names).toContain('深圳华南贸易');
    } finally {
      await target.drop();
    }

    // A file tampered with under the same key fails its checksum; re-encrypted under another key, the manifest's key id no longer matches.
    const copy = path.join(config.backupDir, backup.name.replace(/-[a-z0-9]{4}$/, '-enc1'));
    fs.cpSync(dir, copy, { recursive: true });
    fs.rmSync(path.join(copy, 'verification.json'), { force: true });
    const file = path.join(copy, 'customers.jsonl.gz');
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 20] = bytes[bytes.length - 20] ^ 1;
    fs.writeFileSync(file, bytes);
    const tampered = await verifyBackup(db.ctx, { name: path.basename(copy), dir: copy }, actor, key);
    expect(tampered.ok).toBe(false);
    expect(tampered.problems.join()).toContain('customers.jsonl.gz checksum mismatch');
  });
});
