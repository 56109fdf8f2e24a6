import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, Client, createTestDatabase, DIALECTS, ADMIN_PASSWORD, makeCustomer, type TestApp, type TestDatabase } from '../../../../test/helpers.js';
import { buildApp } from '../../app.js';
import { loadConfig, ConfigError, type Config } from '../../config.js';
import { systemActor, type Actor } from '../../platform/actor.js';
import { canonicalText, hashAuditRow, recordAudit } from '../../platform/audit.js';
import { auditCheckpointJob, checkpointMessage, CheckpointRefused, writeCheckpoint } from '../../platform/audit-checkpoints.js';
import { runJobOnce } from '../../platform/jobs.js';
import type { App } from '../../platform/http.js';
import { createBackup, locateBackup, restoreBackup, verifyBackup } from '../backup/backup.service.js';
import { auditVerifyCommand } from './audit.cli.js';
import { verifyAudit } from './audit.service.js';

function captured() {
  let text = '';
  return { write: (s: string) => (text += s), get text() { return text; } };
}

/** Text no database stores as given: lone surrogates of both halves, NUL; and text that must survive as is. */
const AWKWARD = 'a\ud800b\udc00c\u0000d 😀 北京星辰 \u2028';

describe.each(DIALECTS)('audit chain canonical text and hash encoding (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('a sign-in with a lone surrogate leaves a chain that verifies, and a backup taken afterwards verifies and restores', async () => {
    const res = await t.anonymous().post('/api/auth/login', { username: '\ud800', password: 'whatever-it-is' });
    // 401 when the name reaches the audit log; 400 once the request layer refuses ill-formed text.
    expect([400, 401]).toContain(res.status);
    if (res.status === 401) {
      const entry = await t.db.ctx.kysely.selectFrom('audit_log').selectAll().where('action', '=', 'auth.login_failed').orderBy('id', 'desc').executeTakeFirstOrThrow();
      expect(entry.entity_label).toBe('\uFFFD');
      expect(entry.hash_version).toBe(2);
    }
    const verified = await t.admin.get('/api/audit/verify');
    expect(verified.body).toMatchObject({ ok: true, problems: [] });
    const cli = captured();
    expect(await auditVerifyCommand(t.db.ctx, t.db.config, cli, captured())).toBe(0);

    const backup = await createBackup(t.db.ctx, t.db.config, systemActor('test'));
    const location = locateBackup(t.db.config, backup.name);
    expect(await verifyBackup(t.db.ctx, location, systemActor('test'))).toMatchObject({ ok: true, auditChain: { ok: true } });
    const target = await createTestDatabase(dialect);
    try {
      const restored = await restoreBackup(target.ctx, location);
      expect(restored.auditChain.ok).toBe(true);
      expect((await verifyAudit(target.ctx, target.config)).ok).toBe(true);
    } finally {
      await target.drop();
    }
  });

  it('every text field holding lone surrogates, NUL, emoji, CJK, or NULL vs empty is stored as hashed and verifies', async () => {
    const actor: Actor = { ...systemActor(`sys ${AWKWARD}`), ip: `::1${AWKWARD}`, userAgent: `UA ${AWKWARD}`, requestId: `req-${AWKWARD}` };
    await t.db.ctx.kysely.transaction().execute((trx) =>
      recordAudit(trx, t.dialect, actor, [
        { action: 'test.awkward', entityType: 'test', entityId: AWKWARD, entityLabel: AWKWARD, diff: { text: AWKWARD, [AWKWARD]: 1 }, reason: AWKWARD },
        { action: 'test.awkward', entityType: 'test', entityId: '', entityLabel: '', diff: '', reason: '' },
        { action: 'test.awkward', entityType: 'test', entityId: null, entityLabel: null, reason: null },
      ]),
    );
    const rows = await t.db.ctx.kysely.selectFrom('audit_log').selectAll().where('action', '=', 'test.awkward').orderBy('id').execute();
    expect(rows).toHaveLength(3);
    const clean = canonicalText(AWKWARD);
    expect(clean).toBe('a\uFFFDb\uFFFDc\uFFFDd 😀 北京星辰 \u2028');
    expect([rows[0].entity_label, rows[0].reason, rows[0].entity_id, rows[0].user_agent]).toEqual([clean, clean, clean, `UA ${clean}`]);
    expect(JSON.parse(rows[0].diff!)).toEqual({ text: AWKWARD, [AWKWARD]: 1 });
    expect([rows[1].entity_label, rows[1].reason, rows[1].entity_id]).toEqual(['', '', '']);
    expect([rows[2].entity_label, rows[2].reason, rows[2].entity_id, rows[2].diff]).toEqual([null, null, null, null]);
    for (const r of rows) expect(hashAuditRow(r)).toBe(r.hash);
    expect((await t.admin.get('/api/audit/verify')).body).toMatchObject({ ok: true });

    // NULL and '' hash differently, so turning one into the other is an edit the chain shows.
    expect(hashAuditRow({ ...rows[2], reason: '' })).not.toBe(rows[2].hash);
    await t.db.ctx.kysely.updateTable('audit_log').set({ reason: '' }).where('id', '=', rows[2].id).execute();
    expect((await t.admin.get('/api/audit/verify')).body).toMatchObject({ ok: false, firstBrokenId: String(rows[2].id) });
    await t.db.ctx.kysely.updateTable('audit_log').set({ reason: null }).where('id', '=', rows[2].id).execute();
    expect((await t.admin.get('/api/audit/verify')).body).toMatchObject({ ok: true });
  });

  it('entries hashed with version 1 by an older installation still verify, followed by version 2 entries', async () => {
    const db = await createTestDatabase(dialect);
    try {
      // What an installation before version 2 wrote: hash_version defaults to 1 for rows that do not name it.
      await db.ctx.kysely.deleteFrom('audit_log').execute();
      let prev = '0'.repeat(64);
      for (const reason of [null, 'first', '']) {
        const row = { prev_hash: prev, at: new Date().toISOString(), actor_type: 'system', actor_id: null, actor_name: 'old', action: 'legacy.entry', entity_type: 'test', entity_id: null, entity_label: null, diff: null, reason, ip: null, user_agent: null, request_id: null };
        const hash = hashAuditRow({ ...row, hash_version: 1 });
        await db.ctx.kysely.insertInto('audit_log').values({ ...row, hash }).execute();
        prev = hash;
      }
      await db.ctx.kysely.transaction().execute((trx) => recordAudit(trx, dialect, systemActor('new'), { action: 'new.entry', entityType: 'test' }));
      const versions = (await db.ctx.kysely.selectFrom('audit_log').select('hash_version').orderBy('id').execute()).map((r) => r.hash_version);
      expect(versions).toEqual([1, 1, 1, 2]);
      expect(await verifyAudit(db.ctx, db.config)).toMatchObject({ ok: true, checked: 4 });
    } finally {
      await db.drop();
    }
  });
});

/** Re-computes every hash from `fromId` on, as a forger with write access to the database would after an edit. */
async function rechainFrom(db: TestDatabase, fromId: number): Promise<void> {
  const k = db.ctx.kysely;
  const before = await k.selectFrom('audit_log').select('hash').where('id', '<', fromId).orderBy('id', 'desc').limit(1).executeTakeFirst();
  let prev = before?.hash ?? '0'.repeat(64);
  for (const row of await k.selectFrom('audit_log').selectAll().where('id', '>=', fromId).orderBy('id').execute()) {
    const hash = hashAuditRow({ ...row, prev_hash: prev });
    await k.updateTable('audit_log').set({ prev_hash: prev, hash }).where('id', '=', row.id).execute();
    prev = hash;
  }
}

describe.each(DIALECTS)('audit chain anchors (%s)', (dialect) => {
  const { privateKey } = generateKeyPairSync('ed25519');
  let db: TestDatabase;
  let config: Config;
  let app: App;
  let admin: Client;

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    config = { ...db.config, auditSigningKey: privateKey };
    app = await buildApp(config, db.ctx, { logger: false });
    await app.ready();
    admin = await new Client(app).login('admin', ADMIN_PASSWORD);
    for (let i = 0; i < 4; i++) await makeCustomer(admin, `Anchor ${i}`);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const verifyNow = async () => (await admin.get('/api/audit/verify')).body;
  const ids = async () => (await db.ctx.kysely.selectFrom('audit_log').select('id').orderBy('id').execute()).map((r) => r.id);
  const snapshot = async () => db.ctx.kysely.selectFrom('audit_log').selectAll().orderBy('id').execute();
  async function restoreRows(rows: Awaited<ReturnType<typeof snapshot>>) {
    await db.ctx.kysely.deleteFrom('audit_log').execute();
    for (const r of rows) await db.ctx.kysely.insertInto('audit_log').values(r).execute();
  }

  it('signs checkpoints an auditor can check with the exported public key; verify reports the anchor', async () => {
    expect((await verifyNow()).anchored).toBe(false);
    const checkpoint = await writeCheckpoint(db.ctx, privateKey);
    expect(checkpoint).not.toBeNull();
    expect(await writeCheckpoint(db.ctx, privateKey)).toBeNull();

    const anchors = (await admin.get('/api/audit/checkpoints')).body;
    expect(anchors.publicKey).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const exported = anchors.checkpoints.at(-1);
    expect(exported).toMatchObject({ id: String(checkpoint!.id), entryId: String(checkpoint!.entryId), keyId: anchors.keyId });
    const publicKey = createPublicKey(anchors.publicKey);
    expect(verify(null, checkpointMessage(Number(exported.entryId), exported.headHash, exported.at), publicKey, Buffer.from(exported.signature, 'base64'))).toBe(true);
    expect(verify(null, checkpointMessage(Number(exported.entryId) + 1, exported.headHash, exported.at), publicKey, Buffer.from(exported.signature, 'base64'))).toBe(false);

    const result = await verifyNow();
    expect(result).toMatchObject({ ok: true, anchored: true, anchoredId: String(checkpoint!.entryId), problems: [] });
    const auditorOnly = await new Client(app).get('/api/audit/checkpoints');
    expect(auditorOnly.status).toBe(401);

    // The job writes them through the lease-based runner, only when the head moved.
    await makeCustomer(admin, 'After the first checkpoint');
    expect(await runJobOnce(db.ctx, auditCheckpointJob(config), 'test-owner')).toBe(true);
    const byJob = await db.ctx.kysely.selectFrom('audit_checkpoints').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
    const head = await db.ctx.kysely.selectFrom('audit_log').select(['id', 'hash']).orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(byJob).toMatchObject({ entry_id: head.id, head_hash: head.hash, key_id: anchors.keyId });
    expect(byJob.signature).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect((await verifyNow()).anchoredId).toBe(String(head.id));
  });

  it('deleting the newest entries behind a signed checkpoint is detected', async () => {
    await makeCustomer(admin, 'Before checkpoint');
    const checkpoint = (await writeCheckpoint(db.ctx, privateKey))!;
    const saved = await snapshot();
    await db.ctx.kysely.deleteFrom('audit_log').where('id', '>=', checkpoint.entryId - 1).execute();
    const result = await verifyNow();
    expect(result.ok).toBe(false);
    expect(result.firstBrokenId).toBeUndefined();
    expect(result.problems.join('\n')).toContain(`recorded entry ${checkpoint.entryId}: the newest entries were removed`);
    const err = captured();
    expect(await auditVerifyCommand(db.ctx, config, captured(), err)).toBe(1);
    expect(err.text).toContain('the newest entries were removed');
    // The signer will not bless the shortened log either.
    await expect(writeCheckpoint(db.ctx, privateKey)).rejects.toThrow(CheckpointRefused);
    await restoreRows(saved);
    expect((await verifyNow()).ok).toBe(true);
  });

  it('an edit with the chain re-computed after it is detected, and so is a forged checkpoint', async () => {
    const saved = await snapshot();
    const all = await ids();
    const middle = all[2];
    await db.ctx.kysely.updateTable('audit_log').set({ entity_label: 'forged' }).where('id', '=', middle).execute();
    await rechainFrom(db, middle);
    const result = await verifyNow();
    expect(result.ok).toBe(false);
    expect(result.firstBrokenId).toBeUndefined();
    expect(result.problems.join('\n')).toMatch(/differs from the hash signed checkpoint \d+ of .* recorded: the chain was rewritten/);
    await expect(writeCheckpoint(db.ctx, privateKey)).rejects.toThrow(/Not signing/);

    // The forger re-points the checkpoints at the new hashes: the signatures no longer verify.
    const head = await db.ctx.kysely.selectFrom('audit_log').select(['id', 'hash']).orderBy('id', 'desc').executeTakeFirstOrThrow();
    const forgedCheckpoints = await db.ctx.kysely.selectFrom('audit_checkpoints').selectAll().execute();
    for (const c of forgedCheckpoints) {
      const entry = await db.ctx.kysely.selectFrom('audit_log').select('hash').where('id', '=', c.entry_id).executeTakeFirstOrThrow();
      await db.ctx.kysely.updateTable('audit_checkpoints').set({ head_hash: entry.hash }).where('id', '=', c.id).execute();
    }
    // …and adds an unsigned one at the head, which anchors nothing when a key is configured.
    await db.ctx.kysely.insertInto('audit_checkpoints').values({ entry_id: head.id, head_hash: head.hash, at: new Date().toISOString(), signature: null, key_id: null }).execute();
    const forged = await verifyNow();
    expect(forged.ok).toBe(false);
    expect(forged.anchored).toBe(false);
    expect(forged.problems.filter((p: string) => p.includes('does not verify: it was forged or altered'))).toHaveLength(forgedCheckpoints.length);

    for (const c of forgedCheckpoints) await db.ctx.kysely.updateTable('audit_checkpoints').set({ head_hash: c.head_hash }).where('id', '=', c.id).execute();
    await db.ctx.kysely.deleteFrom('audit_checkpoints').where('signature', 'is', null).execute();
    await restoreRows(saved);
    expect((await verifyNow()).ok).toBe(true);
  });

  it('a correctly chained forged entry replacing covered entries is detected; one appended after the newest checkpoint is only counted as unanchored', async () => {
    const saved = await snapshot();
    const checkpoint = (await writeCheckpoint(db.ctx, privateKey)) ?? { entryId: saved.at(-1)!.id };
    const last = saved.at(-1)!;
    // Replace the newest entry by a forged one, correctly chained to its predecessor.
    await db.ctx.kysely.deleteFrom('audit_log').where('id', '=', last.id).execute();
    const forged = { ...last, entity_label: 'forged', hash: '' };
    forged.hash = hashAuditRow(forged);
    await db.ctx.kysely.insertInto('audit_log').values(forged).execute();
    expect((await verifyNow()).problems.join('\n')).toContain(`Entry ${checkpoint.entryId} differs`);
    await restoreRows(saved);

    // Appended after the newest checkpoint: the chain cannot tell it from a real entry until someone signs it.
    await db.ctx.kysely.transaction().execute((trx) => recordAudit(trx, dialect, systemActor('forger'), { action: 'forged.entry', entityType: 'test' }));
    const appended = await verifyNow();
    expect(appended).toMatchObject({ ok: true, anchored: true, anchoredId: String(checkpoint.entryId), unanchoredEntries: 1 });
    await db.ctx.kysely.deleteFrom('audit_log').where('action', '=', 'forged.entry').execute();
  });

  it('the audit head recorded in a backup is an anchor too, even without a signing key', async () => {
    const unsigned = { ...config, auditSigningKey: null };
    const backup = await createBackup(db.ctx, unsigned, systemActor('test'));
    const headId = (await ids()).at(-1)!;
    const saved = await snapshot();
    const ok = await verifyAudit(db.ctx, unsigned);
    expect(ok).toMatchObject({ ok: true, anchored: false, backupsChecked: 1 });
    expect(ok.warnings.join('\n')).toContain('ORDERLY_AUDIT_SIGNING_KEY is not set');
    await db.ctx.kysely.deleteFrom('audit_checkpoints').where('signature', 'is', null).execute();
    await db.ctx.kysely.deleteFrom('audit_log').where('id', '>', headId - 3).execute();
    const result = await verifyAudit(db.ctx, { ...unsigned });
    expect(result.ok).toBe(false);
    expect(result.problems.join('\n')).toContain(`backup ${backup.name} recorded entry`);
    await restoreRows(saved);
  });
});

describe('audit and backup keys in the configuration', () => {
  it('takes an Ed25519 seed as hex or base64 or a PEM, and names a bad value', () => {
    const seed = 'a'.repeat(64);
    const fromHex = loadConfig({ ORDERLY_AUDIT_SIGNING_KEY: seed }).auditSigningKey!;
    const fromBase64 = loadConfig({ ORDERLY_AUDIT_SIGNING_KEY: Buffer.from(seed, 'hex').toString('base64') }).auditSigningKey!;
    expect(fromHex.asymmetricKeyType).toBe('ed25519');
    expect(createPublicKey(fromHex).export({ format: 'pem', type: 'spki' })).toEqual(createPublicKey(fromBase64).export({ format: 'pem', type: 'spki' }));
    const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(loadConfig({ ORDERLY_AUDIT_SIGNING_KEY: pem }).auditSigningKey?.asymmetricKeyType).toBe('ed25519');
    expect(loadConfig({}).auditSigningKey).toBeNull();
    expect(() => loadConfig({ ORDERLY_AUDIT_SIGNING_KEY: 'short' })).toThrow(ConfigError);
    expect(() => loadConfig({ ORDERLY_AUDIT_SIGNING_KEY: 'short' })).toThrow(/ORDERLY_AUDIT_SIGNING_KEY/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => loadConfig({ ORDERLY_AUDIT_SIGNING_KEY: rsa })).toThrow(/ORDERLY_AUDIT_SIGNING_KEY/);
    expect(loadConfig({ ORDERLY_BACKUP_KEY: seed }).backupKey?.symmetricKeySize).toBe(32);
    expect(() => loadConfig({ ORDERLY_BACKUP_KEY: 'abc' })).toThrow(/ORDERLY_BACKUP_KEY/);
  });
});
