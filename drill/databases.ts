/**
 * Fresh, throw-away databases for the drills: a temporary SQLite file, or a PostgreSQL database created for
 * the run and dropped afterwards. Each is migrated and has `admin` (DRILL_ADMIN_PASSWORD), like a first start.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig, type Config } from '../src/server/config.js';
import { connect, type Db, type Dialect } from '../src/server/db/connect.js';
import { migrateToLatest } from '../src/server/db/migrate.js';
import { bootstrap } from '../src/server/modules/users/users.service.js';
import { drillSigningKeyPem } from './audit-verification.js';

export const DRILL_ADMIN_PASSWORD = 'drill-admin-password';
export const POSTGRES_URL = process.env.DRILL_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface DrillDatabase {
  dialect: Dialect;
  config: Config;
  ctx: Db;
  drop(): Promise<void>;
}

export async function postgresReachable(url = POSTGRES_URL): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function createDrillDatabase(dialect: Dialect, options: { poolSize?: number } = {}): Promise<DrillDatabase> {
  const name = `orderly_drill_${process.pid}_${randomBytes(4).toString('hex')}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderly-drill-'));
  // Jobs off: a backup or purge job starting in the middle of a crash round would blur what the round tests.
  // A signing key of its own, so the drills verify the log against signed checkpoints as production should.
  const common = {
    ORDERLY_ADMIN_PASSWORD: DRILL_ADMIN_PASSWORD,
    ORDERLY_LOG_LEVEL: 'silent',
    ORDERLY_JOBS: 'off',
    ORDERLY_BACKUP_DIR: path.join(dir, 'backups'),
    ORDERLY_AUDIT_SIGNING_KEY: drillSigningKeyPem(),
  };
  let config: Config;
  let dropDatabase = async () => undefined as void;
  if (dialect === 'postgres') {
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(POSTGRES_URL);
    url.pathname = `/${name}`;
    config = loadConfig({ DATABASE_URL: url.toString(), ...common });
    dropDatabase = async () => {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      // pool.end() resolves before the server has seen every backend go: wait for them before the forced drop.
      for (let i = 0; i < 50; i++) {
        const { rows } = await client.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
        if (rows[0].n === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    };
  } else {
    config = loadConfig({ ORDERLY_DB: path.join(dir, 'drill.db'), ...common });
  }
  const ctx = connect(config.database, options);
  await migrateToLatest(ctx.kysely, ctx.dialect);
  await bootstrap(ctx, DRILL_ADMIN_PASSWORD);
  return {
    dialect,
    config,
    ctx,
    async drop() {
      await ctx.close();
      await dropDatabase();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
