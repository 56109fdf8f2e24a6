import type { BackupVerification } from '../../../contracts/backup.js';
import type { Config } from '../../config.js';
import { databaseLabel } from '../../db/connect.js';
import type { Ctx } from '../../db/context.js';
import { systemActor } from '../../platform/actor.js';
import { AppError } from '../../platform/errors.js';
import { createBackup, listBackups, locateBackup, restoreBackup, verifyBackup } from './backup.service.js';

/**
 * `orderly backup create|list|verify|restore`: one function per subcommand, each taking the open database,
 * the configuration and the words after the subcommand, printing for a human and returning the exit code
 * (0 done, 1 refused or failed, 2 bad usage).
 */
interface Output {
  write(text: string): unknown;
}
export interface CliIo {
  out: Output;
  err: Output;
}
const STD_IO: CliIo = { out: process.stdout, err: process.stderr };

const CLI_ACTOR = systemActor('orderly backup');

export const BACKUP_USAGE = `Usage:
  orderly backup create [--full]            take a full backup now (into ORDERLY_BACKUP_DIR); --full also
                                            keeps password and API-token hashes (never sessions)
  orderly backup list                       list backups, newest first
  orderly backup verify <name|path>         check checksums and restore into a throw-away database
  orderly backup restore <name|path> [--force]
                                            restore into this (empty) database; --force wipes it first
`;

function megabytes(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MB`;
}

/** Expected refusals (not found, not empty, failed verification) print their message; anything else is a bug. */
function reportFailure(error: unknown, io: CliIo): number {
  if (error instanceof AppError) {
    io.err.write(`${error.message}\n`);
    return 1;
  }
  throw error;
}

export async function backupCreateCommand(ctx: Ctx, config: Config, args: string[], io: CliIo = STD_IO): Promise<number> {
  const full = args.includes('--full');
  if (args.some((a) => a !== '--full')) {
    io.err.write(BACKUP_USAGE);
    return 2;
  }
  const started = Date.now();
  const backup = await createBackup(ctx, config, CLI_ACTOR, { full });
  io.out.write(`Backup ${backup.name} written to ${config.backupDir}\n`);
  io.out.write(`${backup.tables} tables, ${backup.rows} rows, ${megabytes(backup.sizeBytes)}, in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  io.out.write(full ? 'Full fidelity: password and API-token hashes are in it (sessions never are); keep it as safe as the database.\n' : 'Without sessions, password or API-token hashes (--full keeps the hashes).\n');
  io.out.write(config.backupKey ? 'Encrypted with ORDERLY_BACKUP_KEY.\n' : '');
  io.out.write(`Check it with: orderly backup verify ${backup.name}\n`);
  return 0;
}

export async function backupListCommand(_ctx: Ctx, config: Config, args: string[], io: CliIo = STD_IO): Promise<number> {
  if (args.length > 0) {
    io.err.write(BACKUP_USAGE);
    return 2;
  }
  const { items, unreadable } = listBackups(config);
  if (items.length === 0 && unreadable.length === 0) {
    io.out.write(`No backups in ${config.backupDir}\n`);
    return 0;
  }
  io.out.write(`Backups in ${config.backupDir}, newest first:\n`);
  for (const b of items) {
    const state = b.verification ? (b.verification.ok ? `verified ${b.verification.checkedAt}` : `FAILED verification ${b.verification.checkedAt}`) : 'not verified';
    io.out.write(`  ${b.name}  ${b.createdAt}  ${b.sourceDialect.padEnd(8)}  ${String(b.rows).padStart(10)} rows  ${megabytes(b.sizeBytes).padStart(10)}  ${state}\n`);
  }
  for (const u of unreadable) io.out.write(`  ${u.name}  UNREADABLE: ${u.problem}\n`);
  return 0;
}

function printVerification(v: BackupVerification, io: CliIo): void {
  if (v.ok) {
    const rows = v.tables.reduce((sum, t) => sum + t.rows, 0);
    io.out.write(`Backup ${v.name} is good: ${v.tables.length} tables and ${rows} rows match their checksums and restore intact`);
    io.out.write(v.auditChain ? `; audit chain verified (${v.auditChain.checked} entries).\n` : '.\n');
    return;
  }
  io.err.write(`Backup ${v.name} FAILED verification:\n`);
  for (const p of v.problems) io.err.write(`  - ${p}\n`);
}

export async function backupVerifyCommand(ctx: Ctx, config: Config, args: string[], io: CliIo = STD_IO): Promise<number> {
  if (args.length !== 1) {
    io.err.write(BACKUP_USAGE);
    return 2;
  }
  try {
    const verification = await verifyBackup(ctx, locateBackup(config, args[0], { allowPath: true }), CLI_ACTOR, config.backupKey);
    printVerification(verification, io);
    return verification.ok ? 0 : 1;
  } catch (error) {
    return reportFailure(error, io);
  }
}

export async function backupRestoreCommand(ctx: Ctx, config: Config, args: string[], io: CliIo = STD_IO): Promise<number> {
  const force = args.includes('--force');
  const rest = args.filter((a) => a !== '--force');
  if (rest.length !== 1 || rest[0].startsWith('--')) {
    io.err.write(BACKUP_USAGE);
    return 2;
  }
  try {
    const location = locateBackup(config, rest[0], { allowPath: true });
    io.out.write(`Verifying ${location.name} before restoring …\n`);
    const result = await restoreBackup(ctx, location, { force, actor: systemActor('orderly backup restore'), backupKey: config.backupKey });
    const where = databaseLabel(config.database);
    io.out.write(`Restored ${result.name} (taken on ${result.sourceDialect}) into ${where}: ${result.rows} rows in ${result.tables.length} tables${result.replacedData ? ', replacing the data that was there' : ''}.\n`);
    if (result.reappliedErasures.length > 0) {
      io.out.write(`Erased again the personal data of ${result.reappliedErasures.length} customer(s) erased after this backup was taken: #${result.reappliedErasures.join(', #')}.\n`);
    }
    if (result.auditChain.ok) {
      io.out.write(`Audit chain verified: ${result.auditChain.checked} entries.\n`);
      return 0;
    }
    io.err.write(`Audit chain BROKEN at entry ${result.auditChain.firstBrokenId} after restore.\n`);
    return 1;
  } catch (error) {
    return reportFailure(error, io);
  }
}

/** `orderly backup <subcommand> …` in one call, for the CLI's dispatcher. */
export async function backupCommand(ctx: Ctx, config: Config, args: string[], io: CliIo = STD_IO): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'create':
      return backupCreateCommand(ctx, config, rest, io);
    case 'list':
      return backupListCommand(ctx, config, rest, io);
    case 'verify':
      return backupVerifyCommand(ctx, config, rest, io);
    case 'restore':
      return backupRestoreCommand(ctx, config, rest, io);
    default:
      io.err.write(BACKUP_USAGE);
      return 2;
  }
}
