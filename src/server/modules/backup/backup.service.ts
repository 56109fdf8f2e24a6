import { createHash, randomBytes, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  BACKUP_NAME_PATTERN,
  BackupVerification as BackupVerificationSchema,
  type BackupList,
  type BackupManifest,
  type BackupSummary,
  type BackupTable,
  type BackupVerification,
} from '../../../contracts/backup.js';
import type { Config } from '../../config.js';
import { connect, type Dialect } from '../../db/connect.js';
import type { Ctx } from '../../db/context.js';
import { migrateToLatest } from '../../db/migrate.js';
import { systemActor, type Actor } from '../../platform/actor.js';
import { recordAudit, verifyAuditChain, type ChainVerification } from '../../platform/audit.js';
import { CheckpointRefused, writeCheckpoint } from '../../platform/audit-checkpoints.js';
import { nowIso } from '../../platform/clock.js';
import { AppError } from '../../platform/errors.js';
import type { JobDefinition } from '../../platform/jobs.js';
import { appliedMigrations, readCatalogue, resetIdentity, type CatalogueTable } from '../../db/catalogue.js';
import { pauseDashboardSummary, rebuildDashboardSummary } from '../../db/dashboard-summary.js';
import { BACKUP_DIR_MODE, BACKUP_FILE_MODE, BackupFileError, backupKeyId, encodeRow, fileChecksum, folderSize, manifestChecksum, readManifest, readTableRows, VERIFICATION_FILE, writeManifest, writeTableFile } from './backup.files.js';
import { withReadSnapshot } from '../../db/snapshot.js';
import { erasedCustomerIds, reapplyErasures } from '../erasure/erasure.service.js';
import { countRows, insertTableRows, tablePages } from './backup.tables.js';

/** A backup folder on disk: where it is and what its name is. */
export interface BackupLocation {
  name: string;
  dir: string;
}

function newBackupName(at: string): string {
  const stamp = at.slice(0, 23).replace(/[-:]/g, '').replace('T', '-').replace('.', '-');
  return `orderly-${stamp}-${randomBytes(2).toString('hex')}`;
}

/**
 * A backup by name in the backup directory — or, for the CLI, a path to a backup folder anywhere (one copied
 * from another machine). A name that is not a backup's is a 404; the pattern also keeps names from escaping
 * the directory.
 */
export function locateBackup(config: Config, nameOrPath: string, options: { allowPath?: boolean } = {}): BackupLocation {
  if (BACKUP_NAME_PATTERN.test(nameOrPath)) {
    const dir = path.join(config.backupDir, nameOrPath);
    if (fs.existsSync(dir)) return { name: nameOrPath, dir };
  } else if (options.allowPath && fs.existsSync(path.join(nameOrPath, 'manifest.json'))) {
    const dir = path.resolve(nameOrPath);
    return { name: path.basename(dir), dir };
  }
  throw new AppError('not_found', `No backup named ${nameOrPath} in ${config.backupDir}`);
}

// ── create ────────────────────────────────────────────────────────────────────────────────────────────────

async function auditHead(db: Kysely<any>, tables: CatalogueTable[]): Promise<BackupManifest['auditHead']> {
  if (!tables.some((t) => t.name === 'audit_log')) return null;
  const { rows } = await sql<{ id: number; hash: string }>`select id, hash from audit_log order by id desc limit 1`.execute(db);
  return rows[0] ? { id: Number(rows[0].id), hash: rows[0].hash } : null;
}

/** Sign-ins are never backed up: restoring one would revive a session its user had signed out of. */
const NEVER_BACKED_UP = new Set(['sessions']);

/**
 * Columns that hold credentials (password and token hashes, signing secrets): left out of a backup unless the
 * operator asks for full fidelity. Named by pattern too, so a secret column added later is covered.
 */
export function isSecretColumn(table: string, column: string): boolean {
  return (table === 'users' && column === 'password_hash') || (table === 'api_tokens' && column === 'token_hash') || /(^|_)(secret|password_hash|token_hash|secret_hash)$/.test(column);
}

/** What a left-out credential reads as: never a valid hash (nothing verifies against it), unique per row. */
export const REDACTED_PREFIX = '!redacted:';

async function* encodedPages(db: Kysely<any>, dialect: Dialect, table: CatalogueTable, redact: string[]): AsyncGenerator<string[]> {
  if (NEVER_BACKED_UP.has(table.name)) return;
  const columns = table.columns.map((c) => c.name);
  for await (const rows of tablePages(db, dialect, table)) {
    yield rows.map((r) => {
      if (redact.length === 0) return encodeRow(table.name, columns, r);
      const key = table.primaryKey.map((k) => String(r[k])).join(':');
      return encodeRow(table.name, columns, { ...r, ...Object.fromEntries(redact.map((c) => [c, `${REDACTED_PREFIX}${key}`])) });
    });
  }
}

export interface BackupOptions {
  /** Include password and token hashes (still never sessions); the manifest says `secrets: "included"`. */
  full?: boolean;
}

/** Dumps every table from one read snapshot into `work`; returns the sealed manifest. */
async function dumpSnapshot(ctx: Ctx, config: Config, work: string, options: BackupOptions): Promise<BackupManifest> {
  return withReadSnapshot(ctx, config.database, async (db) => {
    const createdAt = nowIso();
    const catalogue = await readCatalogue(db, ctx.dialect);
    const migrations = await appliedMigrations(db);
    const head = await auditHead(db, catalogue);
    const tables: BackupTable[] = [];
    const redactedColumns: string[] = [];
    for (const t of catalogue) {
      const file = `${t.name}.jsonl.gz`;
      const redact = options.full ? [] : t.columns.filter((c) => c.type === 'text' && isSecretColumn(t.name, c.name)).map((c) => c.name);
      redactedColumns.push(...redact.map((c) => `${t.name}.${c}`));
      const written = await writeTableFile(path.join(work, file), encodedPages(db, ctx.dialect, t, redact), config.backupKey);
      tables.push({ name: t.name, file, columns: t.columns.map(({ name, type }) => ({ name, type })), primaryKey: t.primaryKey, ...written });
    }
    const body = {
      format: BACKUP_FORMAT,
      formatVersion: BACKUP_FORMAT_VERSION,
      name: path.basename(work).replace(/^\.partial-/, ''),
      createdAt,
      sourceDialect: ctx.dialect,
      migrations,
      auditHead: head,
      tables,
      secrets: options.full ? 'included' : 'redacted',
      redactedColumns,
      encryption: config.backupKey ? { algorithm: 'aes-256-gcm' as const, keyId: backupKeyId(config.backupKey) } : null,
    } as const;
    return { ...body, sha256: manifestChecksum(body) };
  });
}

/**
 * Takes a full backup now: every table from one consistent snapshot, while the app keeps serving.
 * Written into a hidden folder and renamed when complete, so a crash never leaves a half backup that looks whole.
 */
export async function createBackup(ctx: Ctx, config: Config, actor: Actor, options: BackupOptions = {}): Promise<BackupSummary> {
  fs.mkdirSync(config.backupDir, { recursive: true, mode: BACKUP_DIR_MODE });
  const name = newBackupName(nowIso());
  const work = path.join(config.backupDir, `.partial-${name}`);
  const final = path.join(config.backupDir, name);
  fs.mkdirSync(work, { mode: BACKUP_DIR_MODE });
  let manifest: BackupManifest;
  try {
    manifest = await dumpSnapshot(ctx, config, work, options);
    writeManifest(work, manifest);
    fs.renameSync(work, final);
  } catch (error) {
    fs.rmSync(work, { recursive: true, force: true });
    throw error;
  }
  const rows = manifest.tables.reduce((sum, t) => sum + t.rows, 0);
  await ctx.kysely.transaction().execute((trx) =>
    recordAudit(trx, ctx.dialect, actor, {
      action: 'backup.create',
      entityType: 'backup',
      entityId: name,
      entityLabel: name,
      diff: { tables: manifest.tables.length, rows, sha256: manifest.sha256, auditHeadId: manifest.auditHead?.id ?? null, secrets: manifest.secrets, encrypted: manifest.encryption !== null },
    }),
  );
  // A backup is a notable moment: anchor the head that records it. A refusal (a rewritten log) is not the
  // backup's failure; `audit verify` reports it.
  await writeCheckpoint(ctx, config.auditSigningKey).catch((error) => {
    if (!(error instanceof CheckpointRefused)) throw error;
  });
  return summarize({ name, dir: final }, manifest);
}

// ── list ──────────────────────────────────────────────────────────────────────────────────────────────────

interface StoredVerification {
  manifestSha256: string;
  ok: boolean;
  checkedAt: string;
  problems: string[];
}

function storedVerification(dir: string, manifest: BackupManifest): BackupSummary['verification'] {
  try {
    const v = JSON.parse(fs.readFileSync(path.join(dir, VERIFICATION_FILE), 'utf8')) as StoredVerification;
    // A result that belongs to another manifest (the folder was replaced) says nothing about this one.
    if (v.manifestSha256 !== manifest.sha256) return null;
    return { ok: v.ok === true, checkedAt: String(v.checkedAt), problems: Array.isArray(v.problems) ? v.problems.map(String) : [] };
  } catch {
    return null;
  }
}

function summarize(location: BackupLocation, manifest: BackupManifest): BackupSummary {
  return {
    name: location.name,
    createdAt: manifest.createdAt,
    sourceDialect: manifest.sourceDialect,
    sizeBytes: folderSize(location.dir),
    tables: manifest.tables.length,
    rows: manifest.tables.reduce((sum, t) => sum + t.rows, 0),
    rowsByTable: Object.fromEntries(manifest.tables.map((t) => [t.name, t.rows])),
    verification: storedVerification(location.dir, manifest),
  };
}

/** The backups in the backup directory, newest first, with their last verification. */
export function listBackups(config: Config): BackupList {
  const items: BackupSummary[] = [];
  const unreadable: BackupList['unreadable'] = [];
  const entries = fs.existsSync(config.backupDir) ? fs.readdirSync(config.backupDir, { withFileTypes: true }) : [];
  for (const entry of entries) {
    if (!entry.isDirectory() || !BACKUP_NAME_PATTERN.test(entry.name)) continue;
    const location = { name: entry.name, dir: path.join(config.backupDir, entry.name) };
    try {
      items.push(summarize(location, readManifest(location.dir)));
    } catch (error) {
      if (!(error instanceof BackupFileError)) throw error;
      unreadable.push({ name: entry.name, problem: error.message });
    }
  }
  items.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.name < b.name ? 1 : -1));
  return { directory: config.backupDir, items, unreadable };
}

/** The audit head each readable backup recorded: anchors for `orderly audit verify`, kept where the database cannot reach. */
export function backupAuditHeads(backupDir: string): Array<{ name: string; createdAt: string; auditHead: BackupManifest['auditHead'] }> {
  if (!fs.existsSync(backupDir)) return [];
  const heads = [];
  for (const entry of fs.readdirSync(backupDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !BACKUP_NAME_PATTERN.test(entry.name)) continue;
    try {
      const manifest = readManifest(path.join(backupDir, entry.name));
      heads.push({ name: entry.name, createdAt: manifest.createdAt, auditHead: manifest.auditHead });
    } catch (error) {
      // An unreadable backup is reported by `backup list`; it simply anchors nothing.
      if (!(error instanceof BackupFileError)) throw error;
    }
  }
  return heads;
}

// ── restore (shared by verify's trial restore and the real one) ───────────────────────────────────────────

/** What makes a database "not empty": anything beyond what first start creates (roles, `admin`). */
export async function describeContents(db: Kysely<any>): Promise<{ empty: boolean; counts: Record<string, number> }> {
  const counts: Record<string, number> = {};
  for (const table of ['orders', 'customers', 'products']) counts[table] = await countRows(db, table);
  const { rows } = await sql<{ n: number | string }>`select count(*) as n from users where username <> 'admin'`.execute(db);
  counts.users = Number(rows[0]?.n ?? 0);
  return { empty: Object.values(counts).every((n) => n === 0), counts };
}

/** The target must have the backup's schema exactly: same migrations, same tables, same columns. */
function schemaProblems(manifest: BackupManifest, migrations: string[], catalogue: CatalogueTable[]): string[] {
  const problems: string[] = [];
  if (JSON.stringify(migrations) !== JSON.stringify(manifest.migrations)) {
    const last = (list: string[]) => list[list.length - 1] ?? 'none';
    problems.push(
      `The backup's schema (${manifest.migrations.length} migrations, last ${last(manifest.migrations)}) differs from this database's (${migrations.length}, last ${last(migrations)}); restore with the Orderly version that took the backup`,
    );
    return problems;
  }
  for (const t of manifest.tables) {
    const target = catalogue.find((c) => c.name === t.name);
    if (!target) {
      problems.push(`The backup holds table ${t.name}, which this database does not know`);
      continue;
    }
    const missing = t.columns.filter((c) => !target.columns.some((x) => x.name === c.name)).map((c) => c.name);
    if (missing.length) problems.push(`Table ${t.name} of this database lacks column(s) ${missing.join(', ')} that the backup holds`);
  }
  for (const c of catalogue) if (!manifest.tables.some((t) => t.name === c.name)) problems.push(`This database has table ${c.name}, which the backup does not hold`);
  return problems;
}

interface LoadResult {
  tables: Array<{ name: string; rows: number }>;
  reappliedErasures: string[];
}

/**
 * Replaces every row of the target with the backup's, in one transaction: delete children before parents,
 * insert parents before children with their original ids, move PostgreSQL's id counters past them, and (for a
 * real restore) append the restore to the restored audit chain. Any mismatch — a checksum, a constraint —
 * rolls the whole transaction back, so the target is either the backup or unchanged.
 */
async function loadBackup(target: Ctx, location: BackupLocation, manifest: BackupManifest, actor: Actor | null, key: KeyObject | null): Promise<LoadResult> {
  return target.kysely.transaction().execute(async (trx) => {
    const db = trx as unknown as Kysely<any>;
    const catalogue = await readCatalogue(db, target.dialect);
    const problems = schemaProblems(manifest, await appliedMigrations(db), catalogue);
    if (problems.length) throw new AppError('conflict', `Cannot restore ${location.name}: ${problems.join('; ')}`, { problems });
    // A backup without password hashes: whoever already has an account here (by username) keeps their password.
    const keptPasswords = actor && manifest.redactedColumns.includes('users.password_hash') ? await trx.selectFrom('users').select(['username', 'password_hash']).execute() : [];
    // An erasure is never undone by going back in time: customers erased here stay erased after the restore.
    const erasedHere = actor ? await erasedCustomerIds(trx) : [];
    // The dashboard summary is left out of backups: recounted once below rather than kept row by row.
    await pauseDashboardSummary(trx);
    for (const t of [...catalogue].reverse()) await sql`delete from ${sql.table(t.name)}`.execute(db);
    const tables: LoadResult['tables'] = [];
    for (const t of catalogue) {
      const entry = manifest.tables.find((x) => x.name === t.name)!;
      tables.push({ name: t.name, rows: await insertTableRows(db, location.dir, entry, key) });
      await resetIdentity(db, target.dialect, t);
    }
    await rebuildDashboardSummary(trx);
    if (actor) {
      for (const u of keptPasswords) {
        if (u.password_hash.startsWith(REDACTED_PREFIX)) continue;
        await trx.updateTable('users').set({ password_hash: u.password_hash }).where('username', '=', u.username).where('password_hash', 'like', `${REDACTED_PREFIX}%`).execute();
      }
      // A token whose hash was left out can never match again; say so rather than leave it looking live.
      if (manifest.redactedColumns.includes('api_tokens.token_hash')) {
        await trx.updateTable('api_tokens').set({ revoked_at: nowIso() }).where('revoked_at', 'is', null).where('token_hash', 'like', `${REDACTED_PREFIX}%`).execute();
      }
      // Backups of format 1 held sessions; none may come back to life.
      await trx.deleteFrom('sessions').execute();
      await recordAudit(trx, target.dialect, actor, {
        action: 'backup.restore',
        entityType: 'backup',
        entityId: location.name,
        entityLabel: location.name,
        diff: { sourceDialect: manifest.sourceDialect, createdAt: manifest.createdAt, sha256: manifest.sha256, rows: tables.reduce((s, t) => s + t.rows, 0) },
      });
      const reapplied = await reapplyErasures(trx, target.dialect, actor, erasedHere);
      return { tables, reappliedErasures: reapplied.map((r) => r.customerId) };
    }
    return { tables, reappliedErasures: [] };
  });
}

// ── verify ────────────────────────────────────────────────────────────────────────────────────────────────

/** Checks each table file against the manifest: stored bytes first (the clearest message), then content. */
async function fileProblems(location: BackupLocation, manifest: BackupManifest, key: KeyObject | null): Promise<string[]> {
  const problems: string[] = [];
  for (const t of manifest.tables) {
    const file = path.join(location.dir, t.file);
    if (!fs.existsSync(file)) {
      problems.push(`${t.file} is missing`);
      continue;
    }
    if ((await fileChecksum(file)) !== t.fileSha256) {
      problems.push(`${t.file} checksum mismatch: the file was changed or damaged after the backup was taken`);
      continue;
    }
    try {
      for await (const _batch of readTableRows(location.dir, t, 5_000, key)) {
        /* reading checks every line */
      }
    } catch (error) {
      if (!(error instanceof BackupFileError)) throw error;
      problems.push(error.message);
    }
  }
  return problems;
}

async function contentSha256(db: Kysely<any>, dialect: Dialect, table: BackupTable): Promise<string> {
  const hash = createHash('sha256');
  const columns = table.columns.map((c) => c.name);
  for await (const rows of tablePages(db, dialect, table)) for (const r of rows) hash.update(encodeRow(table.name, columns, r));
  return hash.digest('hex');
}

interface TrialResult {
  problems: string[];
  restoredRows: Map<string, number>;
  auditChain: ChainVerification | null;
}

/**
 * Restores into a throw-away SQLite database and checks the result: row counts, the audit chain, and that
 * every table reads back to the very content that was backed up (which also proves a PostgreSQL backup
 * crosses over to SQLite intact).
 */
async function trialRestore(location: BackupLocation, manifest: BackupManifest, key: KeyObject | null): Promise<TrialResult> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'orderly-verify-'));
  const trial = connect({ dialect: 'sqlite', file: path.join(tmp, 'trial.db') });
  const problems: string[] = [];
  const restoredRows = new Map<string, number>();
  let auditChain: ChainVerification | null = null;
  try {
    await migrateToLatest(trial.kysely, trial.dialect);
    try {
      await loadBackup(trial, location, manifest, null, key);
    } catch (error) {
      if (error instanceof AppError && Array.isArray(error.extra.problems)) return { problems: error.extra.problems as string[], restoredRows, auditChain };
      if (error instanceof BackupFileError) return { problems: [error.message], restoredRows, auditChain };
      return { problems: [`The backup does not restore into an empty database: ${(error as Error).message}`], restoredRows, auditChain };
    }
    const db = trial.kysely as unknown as Kysely<any>;
    for (const t of manifest.tables) {
      const rows = await countRows(db, t.name);
      restoredRows.set(t.name, rows);
      if (rows !== t.rows) problems.push(`Table ${t.name}: ${rows} rows after restore, the manifest lists ${t.rows}`);
      else if ((await contentSha256(db, trial.dialect, t)) !== t.sha256) problems.push(`Table ${t.name} reads back different from the backup after restore`);
    }
    if (manifest.tables.some((t) => t.name === 'audit_log')) {
      auditChain = await verifyAuditChain(trial.kysely);
      if (!auditChain.ok) problems.push(`The restored audit chain is broken at entry ${auditChain.firstBrokenId}`);
      else if (manifest.auditHead && auditChain.lastHash !== manifest.auditHead.hash) problems.push('The restored audit chain does not end at the head the manifest names');
    }
    return { problems, restoredRows, auditChain };
  } finally {
    await trial.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** A wrong or missing ORDERLY_BACKUP_KEY, said plainly before any file is tried. */
function keyProblem(manifest: BackupManifest, key: KeyObject | null): string | null {
  if (!manifest.encryption) return null;
  if (!key) return `The backup is encrypted (key ${manifest.encryption.keyId}) and ORDERLY_BACKUP_KEY is not set`;
  const id = backupKeyId(key);
  return id === manifest.encryption.keyId ? null : `The backup is encrypted with key ${manifest.encryption.keyId}, but ORDERLY_BACKUP_KEY is key ${id}: wrong key`;
}

/** Every check without recording anything: the manifest, each file, then a trial restore. */
async function inspectBackup(location: BackupLocation, backupKey: KeyObject | null): Promise<{ manifest: BackupManifest | null; verification: BackupVerification }> {
  const checkedAt = nowIso();
  let manifest: BackupManifest;
  try {
    manifest = readManifest(location.dir);
  } catch (error) {
    if (!(error instanceof BackupFileError)) throw error;
    return { manifest: null, verification: { name: location.name, ok: false, checkedAt, problems: [error.message], tables: [], auditChain: null } };
  }
  const wrongKey = keyProblem(manifest, backupKey);
  const key = manifest.encryption ? backupKey : null;
  let problems = wrongKey ? [wrongKey] : await fileProblems(location, manifest, key);
  let trial: TrialResult | null = null;
  if (problems.length === 0) {
    trial = await trialRestore(location, manifest, key);
    problems = trial.problems;
  }
  const verification: BackupVerification = {
    name: location.name,
    ok: problems.length === 0,
    checkedAt,
    problems,
    tables: manifest.tables.map((t) => ({ name: t.name, rows: t.rows, restoredRows: trial?.restoredRows.get(t.name) ?? null })),
    auditChain: trial?.auditChain ? { ok: trial.auditChain.ok, checked: trial.auditChain.checked, ...(trial.auditChain.firstBrokenId ? { firstBrokenId: trial.auditChain.firstBrokenId } : {}) } : null,
  };
  return { manifest, verification: BackupVerificationSchema.parse(verification) };
}

/**
 * Re-reads a backup and proves it good: the manifest's checksum, every file's checksums and row counts, then a
 * restore into a throw-away database with identical row counts, identical content and an intact audit chain.
 * The result is kept beside the backup (for the list) and the verification is audited in `ctx`'s database.
 */
export async function verifyBackup(ctx: Ctx, location: BackupLocation, actor: Actor, backupKey: KeyObject | null = null): Promise<BackupVerification> {
  const { manifest, verification } = await inspectBackup(location, backupKey);
  if (manifest) {
    const stored: StoredVerification = { manifestSha256: manifest.sha256, ok: verification.ok, checkedAt: verification.checkedAt, problems: verification.problems };
    try {
      fs.writeFileSync(path.join(location.dir, VERIFICATION_FILE), `${JSON.stringify(stored, null, 2)}\n`, { mode: BACKUP_FILE_MODE });
    } catch {
      // A read-only copy (a mounted archive) can be verified; it just cannot remember the result.
    }
  }
  await ctx.kysely.transaction().execute((trx) =>
    recordAudit(trx, ctx.dialect, actor, {
      action: 'backup.verify',
      entityType: 'backup',
      entityId: location.name,
      entityLabel: location.name,
      diff: { ok: verification.ok, problems: verification.problems.slice(0, 20) },
    }),
  );
  return verification;
}

export interface RestoreResult {
  name: string;
  sourceDialect: Dialect;
  /** Whether existing business data was replaced (force). */
  replacedData: boolean;
  tables: Array<{ name: string; rows: number }>;
  rows: number;
  /** Customers erased in the target after the backup was taken, erased again in the restored data. */
  reappliedErasures: string[];
  auditChain: ChainVerification;
}

/**
 * Restores a backup into `target`, replacing everything in it. Refuses — writing nothing — a backup that
 * fails verification, and a database holding data (orders, customers, products, users other than `admin`)
 * unless `force` is given.
 */
export async function restoreBackup(target: Ctx, location: BackupLocation, options: { force?: boolean; actor?: Actor; backupKey?: KeyObject | null } = {}): Promise<RestoreResult> {
  const { manifest, verification } = await inspectBackup(location, options.backupKey ?? null);
  if (!manifest || !verification.ok) {
    throw new AppError('unprocessable', `Backup ${location.name} failed verification, so nothing was restored:\n  - ${verification.problems.join('\n  - ')}`, { problems: verification.problems });
  }
  const contents = await describeContents(target.kysely);
  if (!contents.empty && !options.force) {
    const found = Object.entries(contents.counts).filter(([, n]) => n > 0).map(([t, n]) => `${n} ${t}`).join(', ');
    throw new AppError('conflict', `The database is not empty (${found}); a restore replaces everything in it. Restore into an empty database, or pass --force to wipe this one first.`, { counts: contents.counts });
  }
  const actor = options.actor ?? systemActor('orderly backup restore');
  const { tables, reappliedErasures } = await loadBackup(target, location, manifest, actor, manifest.encryption ? (options.backupKey ?? null) : null);
  const auditChain = await verifyAuditChain(target.kysely);
  return { name: location.name, sourceDialect: manifest.sourceDialect, replacedData: !contents.empty, tables, rows: tables.reduce((s, t) => s + t.rows, 0), reappliedErasures, auditChain };
}

// ── schedule, retention, purge support ────────────────────────────────────────────────────────────────────

/**
 * Keeps the newest `keep` backups and deletes the rest, oldest first — except the newest verified one, which
 * is kept even beyond the count: a purge relies on it. Returns the names deleted.
 */
export function pruneBackups(config: Config, keep: number): string[] {
  const { items } = listBackups(config);
  const newestVerified = items.find((b) => b.verification?.ok)?.name;
  const doomed = items.slice(keep).filter((b) => b.name !== newestVerified);
  for (const b of doomed) fs.rmSync(path.join(config.backupDir, b.name), { recursive: true, force: true });
  return doomed.map((b) => b.name);
}

export interface ScheduledBackupResult {
  created: string | null;
  verified: boolean | null;
  pruned: string[];
  skipped?: string;
}

/**
 * The scheduled backup: take one, verify it, keep the newest ORDERLY_BACKUP_KEEP. Skips when a backup younger
 * than the interval exists already (a restart or a second instance must not pile them up).
 */
export async function runScheduledBackup(ctx: Ctx, config: Config): Promise<ScheduledBackupResult> {
  const newest = listBackups(config).items[0];
  const slackMs = 5 * 60_000;
  if (newest && Date.now() - Date.parse(newest.createdAt) < config.backupEveryHours * 3_600_000 - slackMs) {
    return { created: null, verified: null, pruned: [], skipped: `backup ${newest.name} is younger than ${config.backupEveryHours} h` };
  }
  const actor = systemActor('scheduled backup');
  const created = await createBackup(ctx, config, actor);
  const verification = await verifyBackup(ctx, locateBackup(config, created.name), actor, config.backupKey);
  return { created: created.name, verified: verification.ok, pruned: pruneBackups(config, config.backupKeep) };
}

/** For the job runner: the scheduled backup as a job definition. */
export function backupJob(config: Config): JobDefinition {
  return {
    name: 'backup',
    intervalMs: config.backupEveryHours * 3_600_000,
    leaseMs: 6 * 3_600_000,
    run: (ctx) => runScheduledBackup(ctx, config),
  };
}

/** Audit actions that change no data: a backup taken before them still holds everything. */
const NON_CHANGING_ACTIONS = new Set(['backup.create', 'backup.verify', 'orders.export', 'audit.export', 'auth.login', 'auth.login_failed', 'auth.logout']);

/**
 * True when `manifest` is a backup of this very database (its audit head is in this log, same hash) and
 * nothing was changed since (every later audit entry is a read, a sign-in or backup bookkeeping). Every
 * mutation is audited, so the audit log is the change log.
 */
async function coversLatestChange(ctx: Ctx, manifest: BackupManifest): Promise<boolean> {
  const headId = manifest.auditHead?.id ?? 0;
  if (manifest.auditHead) {
    const entry = await ctx.kysely.selectFrom('audit_log').select('hash').where('id', '=', headId).executeTakeFirst();
    if (entry?.hash !== manifest.auditHead.hash) return false;
  }
  const later = await ctx.kysely.selectFrom('audit_log').select('id').where('id', '>', headId).where('action', 'not in', [...NON_CHANGING_ACTIONS]).limit(1).executeTakeFirst();
  return later === undefined;
}

/**
 * Before a purge: the newest verified backup if it already holds every change, else a new backup, verified.
 * Throws (409) when the new backup fails verification, so the purge does not go ahead without one.
 */
export async function ensureVerifiedBackup(ctx: Ctx, config: Config, actor: Actor = systemActor('purge')): Promise<{ backup: BackupSummary; created: boolean }> {
  const newestVerified = listBackups(config).items.find((b) => b.verification?.ok);
  if (newestVerified) {
    const location = locateBackup(config, newestVerified.name);
    if (await coversLatestChange(ctx, readManifest(location.dir))) return { backup: newestVerified, created: false };
  }
  const created = await createBackup(ctx, config, actor);
  const location = locateBackup(config, created.name);
  const verification = await verifyBackup(ctx, location, actor, config.backupKey);
  if (!verification.ok) {
    throw new AppError('conflict', `The backup taken before purging failed verification (${verification.problems.join('; ')}); nothing was purged`, { problems: verification.problems });
  }
  return { backup: summarize(location, readManifest(location.dir)), created: true };
}
