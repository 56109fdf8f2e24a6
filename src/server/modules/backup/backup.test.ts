import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialect } from '../../db/connect.js';
import { buildApp } from '../../app.js';
import { verifyAuditChain } from '../../platform/audit.js';
import { ADMIN_PASSWORD, Client, createTestDatabase, DIALECTS, makeCustomer, makeProduct, type TestDatabase } from '../../../../test/helpers.js';
import { orderIn, previewAndDelete } from '../deletion/deletion.test-support.js';
import type { App } from '../../platform/http.js';
import { customerIdsMatching } from '../customers/customers.service.js';
import { readCatalogue } from '../../db/catalogue.js';
import { backupCommand, backupCreateCommand, backupListCommand, backupRestoreCommand, backupVerifyCommand } from './backup.cli.js';
import { readManifest } from './backup.files.js';
import { withReadSnapshot } from '../../db/snapshot.js';
import { ensureVerifiedBackup, locateBackup, pruneBackups, restoreBackup, runScheduledBackup } from './backup.service.js';

interface Env {
  db: TestDatabase;
  app: App;
  admin: Client;
  backupDir: string;
  close(): Promise<void>;
}

/** A test app whose backups go to a throw-away directory, with background jobs off (they would write rows). */
async function buildBackupEnv(dialect: Dialect): Promise<Env> {
  const db = await createTestDatabase(dialect);
  const backupDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderly-backups-'));
  const config = { ...db.config, backupDir, jobs: false, backupKeep: 7, backupEveryHours: 24 };
  Object.assign(db, { config });
  const app = await buildApp(config, db.ctx, { logger: false });
  await app.ready();
  const admin = await new Client(app).login('admin', ADMIN_PASSWORD);
  return {
    db,
    app,
    admin,
    backupDir,
    async close() {
      await app.close();
      await db.drop();
      fs.rmSync(backupDir, { recursive: true, force: true });
    },
  };
}

function ok<T>(res: { status: number; body: T }, status = 200): T {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Everything the order book holds, made the way users make it: over the API. */
async function seedThroughApi(env: Env): Promise<void> {
  const { admin } = env;
  const rep = await admin.post('/api/users', { username: 'li.wei', password: 'li-wei-password-1', displayName: '李伟', roles: ['sales_rep'] });
  ok(rep, 201);
  const repClient = await new Client(env.app).login('li.wei', 'li-wei-password-1');
  const star = await makeCustomer(admin, '北京星辰贸易有限公司');
  const pearl = await makeCustomer(repClient, '上海明珠电子');
  const acme = await makeCustomer(admin, 'Acme "Quoted", Ltd.');
  const tea = await makeProduct(admin, { price: '199.00', stock: 50 });
  const cup = await makeProduct(admin, { price: '0.99', stock: 1000 });
  const items = [
    { productId: tea.id, quantity: 2 },
    { productId: cup.id, quantity: 7 },
  ];
  await orderIn(admin, 'draft', star.id, items, { note: '请在周五前发货' });
  await orderIn(repClient, 'confirmed', pearl.id, items);
  const paid = await orderIn(admin, 'confirmed', acme.id, items);
  ok(await admin.post(`/api/orders/${paid.id}/payments`, { amount: '150.50' }), 201);
  await orderIn(admin, 'shipped', star.id, [{ productId: tea.id, quantity: 1 }]);
  await orderIn(admin, 'completed', pearl.id, [{ productId: cup.id, quantity: 3 }]);
  await orderIn(repClient, 'cancelled', pearl.id, items);
  const doomed = await orderIn(admin, 'draft', acme.id, items);
  ok(await previewAndDelete(admin, { ids: [doomed.id] }, { code: 'entry_error' }));
  ok(await admin.post('/api/tokens', { name: 'integration' }), 201);
}

/** Every row of every table, in primary-key order. */
async function dumpAll(db: Kysely<any>, dialect: Dialect, options: { auditUpTo?: number } = {}): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const t of await readCatalogue(db, dialect)) {
    let q = db.selectFrom(t.name).selectAll();
    if (t.name === 'audit_log' && options.auditUpTo !== undefined) q = q.where('id', '<=', options.auditUpTo);
    for (const k of t.primaryKey) q = q.orderBy(k);
    out[t.name] = await q.execute();
  }
  return out;
}

function flipOneByte(file: string): void {
  const bytes = fs.readFileSync(file);
  const at = Math.floor(bytes.length / 2);
  bytes[at] = bytes[at] ^ 0x01;
  fs.writeFileSync(file, bytes);
}

function captureIo() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: { write: (s: string) => out.push(s) }, err: { write: (s: string) => err.push(s) } }, out, err };
}

describe.each(DIALECTS)('backup (%s)', (dialect) => {
  let env: Env;
  let backupName: string;
  /** The source database as it was when the backup was taken. */
  let source: Record<string, unknown[]>;

  beforeAll(async () => {
    env = await buildBackupEnv(dialect);
    await seedThroughApi(env);
    source = await dumpAll(env.db.ctx.kysely, dialect);
    const created = ok(await env.admin.post('/api/backups'), 201);
    backupName = created.name;
  });
  afterAll(async () => env?.close());

  it('creates, lists and verifies a backup over the API, and audits both', async () => {
    const list = ok(await env.admin.get('/api/backups'));
    const item = list.items.find((b: { name: string }) => b.name === backupName);
    expect(item).toMatchObject({ sourceDialect: dialect, verification: null });
    expect(item.sizeBytes).toBeGreaterThan(0);
    expect(item.rowsByTable.orders).toBe(7);
    expect(item.rowsByTable.customers).toBe(3);

    const verification = ok(await env.admin.post(`/api/backups/${backupName}/verify`));
    expect(verification).toMatchObject({ ok: true, problems: [], auditChain: { ok: true } });
    for (const t of verification.tables) expect(t.restoredRows).toBe(t.rows);
    const listed = ok(await env.admin.get('/api/backups')).items.find((b: { name: string }) => b.name === backupName);
    expect(listed.verification).toMatchObject({ ok: true });

    const audit = ok(await env.admin.get('/api/audit?action=backup.*'));
    expect(audit.items.map((e: { action: string }) => e.action).sort()).toEqual(['backup.create', 'backup.verify']);

    expect((await env.admin.post('/api/backups/not-a-backup/verify')).status).toBe(400);
    expect((await env.admin.post('/api/backups/orderly-20000101-000000-000-abcd/verify')).status).toBe(404);
    const rep = await new Client(env.app).login('li.wei', 'li-wei-password-1');
    expect((await rep.post('/api/backups')).status).toBe(403);
    expect((await rep.get('/api/backups')).status).toBe(403);
  });

  // SQLite → SQLite and → PostgreSQL; PostgreSQL → PostgreSQL and → SQLite.
  it.each(DIALECTS)('restores into an empty %s database row for row, with fresh ids afterwards', async (targetDialect) => {
    const location = locateBackup(env.db.config, backupName);
    const manifest = readManifest(location.dir);
    const target = await createTestDatabase(targetDialect);
    try {
      const result = await restoreBackup(target.ctx, location);
      expect(result.replacedData).toBe(false);
      expect(result.auditChain.ok).toBe(true);

      // The source as it was at the backup equals the target as restored (whose last audit entry records the restore).
      expect((source.audit_log.at(-1) as { id: number }).id).toBe(manifest.auditHead!.id);
      const restored = await dumpAll(target.ctx.kysely, targetDialect, { auditUpTo: manifest.auditHead!.id });
      expect(Object.keys(restored).sort()).toEqual(Object.keys(source).sort());
      // Except what a backup leaves out on purpose: sessions, and password and token hashes (a token without its hash is revoked).
      const withoutSecrets = (table: string, rows: unknown[]) =>
        table === 'sessions' ? [] : rows.map((r) => Object.fromEntries(Object.entries(r as object).filter(([k]) => !['password_hash', 'token_hash', 'revoked_at'].includes(k))));
      for (const table of Object.keys(source)) expect(withoutSecrets(table, restored[table]), table).toEqual(withoutSecrets(table, source[table]));
      expect(restored.sessions).toEqual([]);
      expect((restored.api_tokens as Array<{ revoked_at: string | null }>).every((t) => t.revoked_at !== null)).toBe(true);
      expect((source.customers as Array<{ name: string }>).map((c) => c.name)).toContain('北京星辰贸易有限公司');
      expect(source.ledger_entries.length).toBeGreaterThan(0);
      expect(source.stock_movements.length).toBeGreaterThan(0);

      const after = await target.ctx.kysely.selectFrom('audit_log').selectAll().where('id', '>', manifest.auditHead!.id).execute();
      expect(after.map((e) => e.action)).toEqual(['backup.restore']);
      expect(await verifyAuditChain(target.ctx.kysely)).toMatchObject({ ok: true, checked: source.audit_log.length + 1 });

      // The restored database works: sign in with the restored password, and new rows get ids past the restored ones.
      const app = await buildApp({ ...target.config, jobs: false }, target.ctx, { logger: false });
      try {
        const admin = await new Client(app).login('admin', ADMIN_PASSWORD);
        // Name search works on what was restored: on SQLite its trigram index is not in the backup but rebuilt as rows arrive.
        for (const { name } of source.customers as Array<{ name: string }>) {
          const found = ok(await admin.get<{ items: Array<{ name: string }> }>(`/api/customers?q=${encodeURIComponent(name)}&limit=200`));
          expect(found.items.map((c) => c.name)).toContain(name);
        }
        const maxCustomer = Math.max(...(source.customers as Array<{ id: number }>).map((c) => c.id));
        const fresh = ok(await admin.post('/api/customers', { name: '新客户' }), 201);
        expect(Number(fresh.id)).toBe(maxCustomer + 1);
        const product = await makeProduct(admin, { sku: 'AFTER-RESTORE' });
        const order = ok(await admin.post('/api/orders', { customerId: fresh.id, items: [{ productId: product.id, quantity: 1 }] }), 201);
        const numbers = (source.orders as Array<{ number: string }>).map((o) => o.number);
        expect(numbers).not.toContain(order.number);
      } finally {
        await app.close();
      }
    } finally {
      await target.drop();
    }
  });

  it('a backup with one byte changed fails verify and restore with a clear message, and nothing is written', async () => {
    const good = locateBackup(env.db.config, backupName);
    const badName = backupName.replace(/-[a-z0-9]{4}$/, '-bad1');
    const badDir = path.join(env.backupDir, badName);
    fs.cpSync(good.dir, badDir, { recursive: true });
    fs.rmSync(path.join(badDir, 'verification.json'), { force: true });
    flipOneByte(path.join(badDir, 'orders.jsonl.gz'));

    const verification = ok(await env.admin.post(`/api/backups/${badName}/verify`));
    expect(verification.ok).toBe(false);
    expect(verification.problems).toEqual(['orders.jsonl.gz checksum mismatch: the file was changed or damaged after the backup was taken']);

    const target = await createTestDatabase(dialect);
    try {
      const before = await dumpAll(target.ctx.kysely, dialect);
      await expect(restoreBackup(target.ctx, { name: badName, dir: badDir })).rejects.toThrow(/failed verification, so nothing was restored:\n {2}- orders\.jsonl\.gz checksum mismatch/);
      const cli = captureIo();
      expect(await backupRestoreCommand(target.ctx, env.db.config, [badName], cli.io)).toBe(1);
      expect(cli.err.join('')).toContain('orders.jsonl.gz checksum mismatch');
      expect(await dumpAll(target.ctx.kysely, dialect)).toEqual(before);
    } finally {
      await target.drop();
    }

    // An edited manifest (a row count changed to match a tampered file) is caught by the manifest's own checksum.
    const manifestFile = path.join(badDir, 'manifest.json');
    fs.writeFileSync(manifestFile, fs.readFileSync(manifestFile, 'utf8').replace('"rows": 7', '"rows": 8'));
    const again = ok(await env.admin.post(`/api/backups/${badName}/verify`));
    expect(again.problems).toEqual(['manifest.json checksum mismatch: the manifest was changed after the backup was taken']);
    fs.rmSync(badDir, { recursive: true, force: true });
  });

  it('refuses to restore over a database with data unless forced; forced, it replaces everything', async () => {
    const location = locateBackup(env.db.config, backupName);
    const manifest = readManifest(location.dir);
    const target = await createTestDatabase(dialect);
    try {
      const targetApp = await buildApp({ ...target.config, jobs: false }, target.ctx, { logger: false });
      const stranger = await makeCustomer(await new Client(targetApp).login('admin', ADMIN_PASSWORD), 'Not in the backup');
      await targetApp.close();
      const before = await dumpAll(target.ctx.kysely, dialect);
      await expect(restoreBackup(target.ctx, location)).rejects.toThrow(/not empty \(1 customers\).*--force/);
      expect(await dumpAll(target.ctx.kysely, dialect)).toEqual(before);

      const cli = captureIo();
      expect(await backupRestoreCommand(target.ctx, env.db.config, [backupName, '--force'], cli.io)).toBe(0);
      expect(cli.out.join('')).toMatch(/Restored .* replacing the data that was there\.\nAudit chain verified/);
      const names = (await target.ctx.kysely.selectFrom('customers').select('name').execute()).map((c) => c.name);
      expect(names).not.toContain(stranger.name);
      expect(await customerIdsMatching(target.ctx.kysely, stranger.name)).toEqual([]);
      expect(await customerIdsMatching(target.ctx.kysely, names[0])).not.toEqual([]);
      expect(names).toHaveLength(manifest.tables.find((t) => t.name === 'customers')!.rows);
    } finally {
      await target.drop();
    }
  });

  it('reads one snapshot while the app keeps writing', async () => {
    const countCustomers = async (db: Kysely<any>) => Number((await db.selectFrom('customers').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const before = await countCustomers(env.db.ctx.kysely);
    const seen = await withReadSnapshot(env.db.ctx, env.db.config.database, async (db) => {
      const first = await countCustomers(db);
      // A write through the app while the snapshot is open: it must not wait for the reader.
      const written = await env.admin.post('/api/customers', { name: '快照期间的客户' });
      const second = await countCustomers(db);
      return { first, second, status: written.status };
    });
    expect(seen).toEqual({ first: before, second: before, status: 201 });
    expect(await countCustomers(env.db.ctx.kysely)).toBe(before + 1);
  });

  it('keeps the newest N on schedule, and a purge gets a verified backup newer than the last change', async () => {
    const config = { ...env.db.config, backupKeep: 2 };
    // A recent backup exists: the scheduled run does not pile up another.
    const skipped = await runScheduledBackup(env.db.ctx, config);
    expect(skipped.created).toBeNull();

    const scheduled = await runScheduledBackup(env.db.ctx, { ...config, backupEveryHours: 0 });
    expect(scheduled).toMatchObject({ verified: true });
    expect(scheduled.created).toMatch(/^orderly-/);

    // Nothing changed since (backup bookkeeping is not a change): the verified backup is reused.
    const reused = await ensureVerifiedBackup(env.db.ctx, config);
    expect(reused).toMatchObject({ created: false, backup: { name: scheduled.created } });

    ok(await env.admin.post('/api/customers', { name: 'A change after the backup' }), 201);
    const fresh = await ensureVerifiedBackup(env.db.ctx, config);
    expect(fresh.created).toBe(true);
    expect(fresh.backup.verification?.ok).toBe(true);
    expect(fresh.backup.name).not.toBe(scheduled.created);

    const names = ok(await env.admin.get('/api/backups')).items.map((b: { name: string }) => b.name);
    expect(names.length).toBeGreaterThan(2);
    const pruned = pruneBackups(config, 2);
    const left = ok(await env.admin.get('/api/backups')).items.map((b: { name: string }) => b.name);
    expect(left).toEqual(names.slice(0, 2));
    expect(pruned.sort()).toEqual(names.slice(2).sort());

    const cli = captureIo();
    expect(await backupListCommand(env.db.ctx, config, [], cli.io)).toBe(0);
    expect(cli.out.join('')).toContain(`${left[0]}`);
    expect(cli.out.join('')).toContain('verified');
    const verify = captureIo();
    expect(await backupVerifyCommand(env.db.ctx, config, [path.join(env.backupDir, left[0])], verify.io)).toBe(0);
    expect(verify.out.join('')).toMatch(/is good: .* audit chain verified/);

    const create = captureIo();
    expect(await backupCreateCommand(env.db.ctx, config, [], create.io)).toBe(0);
    expect(create.out.join('')).toMatch(/^Backup orderly-\S+ written to /);
    const usage = captureIo();
    expect(await backupCommand(env.db.ctx, config, ['restore'], usage.io)).toBe(2);
    expect(usage.err.join('')).toContain('orderly backup restore <name|path> [--force]');
  });
});
