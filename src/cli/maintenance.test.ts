import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildTestApp, createTestDatabase, DIALECTS, makeCustomer, makeOrder, makeProduct, type TestApp, type TestDatabase } from '../../test/helpers.js';
import type { Config } from '../server/config.js';
import { main } from './orderly.js';

/** Points the CLI's environment at a test database, as an operator's shell would. */
function useDatabase(config: Config, backupDir: string): void {
  delete process.env.DATABASE_URL;
  delete process.env.ORDERLY_DB;
  if (config.database.dialect === 'postgres') process.env.DATABASE_URL = config.database.url;
  else process.env.ORDERLY_DB = config.database.file;
  process.env.ORDERLY_BACKUP_DIR = backupDir;
}

describe.each(DIALECTS)('orderly backup and audit verify (%s)', (dialect) => {
  const saved = { ...process.env };
  let source: TestApp;
  let target: TestDatabase;
  let backupDir: string;
  let output: string[];

  beforeAll(async () => {
    source = await buildTestApp(dialect);
    target = await createTestDatabase(dialect);
    backupDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderly-cli-backups-'));
    const customer = await makeCustomer(source.admin, '成都天府餐饮管理有限公司');
    const product = await makeProduct(source.admin, { stock: 10 });
    const order = await makeOrder(source.admin, customer.id, [{ productId: product.id, quantity: 2 }]);
    expect((await source.admin.post(`/api/orders/${order.id}/confirm`)).status).toBe(200);
  });
  afterEach(() => {
    process.env = { ...saved };
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    await source?.close();
    await target?.drop();
    fs.rmSync(backupDir, { recursive: true, force: true });
  });

  function capture(): void {
    output = [];
    const keep = (chunk: unknown) => void output.push(String(chunk));
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (keep(chunk), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (keep(chunk), true));
    vi.spyOn(console, 'log').mockImplementation(keep);
    vi.spyOn(console, 'error').mockImplementation(keep);
  }

  it('backs up, lists, verifies and restores into an empty database with the same rows', async () => {
    useDatabase(source.db.config, backupDir);
    capture();
    expect(await main(['backup', 'create'])).toBe(0);
    const created = fs.readdirSync(backupDir);
    expect(created).toHaveLength(1);
    const [name] = created;
    expect(await main(['backup', 'list'])).toBe(0);
    expect(output.join('')).toContain(name);
    expect(await main(['backup', 'verify', name])).toBe(0);

    useDatabase(target.config, backupDir);
    expect(await main(['backup', 'restore', path.join(backupDir, name)])).toBe(0);
    for (const table of ['orders', 'order_items', 'customers', 'products', 'stock_movements', 'ledger_entries'] as const) {
      const count = async (db: TestDatabase) => Number((await db.ctx.kysely.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      expect(await count(target), table).toBe(await count(source.db));
    }
    // The audit log differs by the backup's own entries (create and verify after the snapshot, restore after
    // it lands), but the restored chain is whole.
    expect(await main(['audit', 'verify'])).toBe(0);
    // A second restore over the now non-empty database is refused without --force.
    output = [];
    expect(await main(['backup', 'restore', path.join(backupDir, name)])).toBe(1);
    expect(output.join('')).toContain('The database is not empty');
  });

  it('a backup with one byte changed fails verify and restore, and restore writes nothing', async () => {
    useDatabase(source.db.config, backupDir);
    capture();
    expect(await main(['backup', 'create'])).toBe(0);
    const name = fs.readdirSync(backupDir).sort().at(-1)!;
    const copy = path.join(backupDir, `${name}-corrupt`);
    fs.cpSync(path.join(backupDir, name), copy, { recursive: true });
    const file = fs.readdirSync(copy).find((f) => f.startsWith('orders'))!;
    const bytes = fs.readFileSync(path.join(copy, file));
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    fs.writeFileSync(path.join(copy, file), bytes);
    expect(await main(['backup', 'verify', copy])).toBe(1);
    expect(output.join('')).toContain(`${file} checksum mismatch`);

    const empty = await createTestDatabase(dialect);
    try {
      useDatabase(empty.config, backupDir);
      output = [];
      expect(await main(['backup', 'restore', copy])).toBe(1);
      expect(output.join('')).toContain('failed verification, so nothing was restored');
      expect(output.join('')).toContain(`${file} checksum mismatch`);
      expect(await empty.ctx.kysely.selectFrom('orders').select('id').execute()).toEqual([]);
      expect(await empty.ctx.kysely.selectFrom('customers').select('id').execute()).toEqual([]);
    } finally {
      await empty.drop();
    }
  });

  it('audit verify exits 0 on an intact log and 1, naming the entry, after a row is edited', async () => {
    useDatabase(source.db.config, backupDir);
    capture();
    expect(await main(['audit', 'verify'])).toBe(0);
    const victim = await source.db.ctx.kysely.selectFrom('audit_log').select('id').where('action', '=', 'order.confirm').executeTakeFirstOrThrow();
    await source.db.ctx.kysely.updateTable('audit_log').set({ reason: 'rewritten history' }).where('id', '=', victim.id).execute();
    expect(await main(['audit', 'verify'])).toBe(1);
    expect(output.join('')).toContain(String(victim.id));
  });
});
