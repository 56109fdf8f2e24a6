import { loadConfig, type Config } from '../../server/config.js';
import { connect, type Db } from '../../server/db/connect.js';
import { migrateToLatest } from '../../server/db/migrate.js';
import { auditAnchorsCommand, auditCheckpointCommand, auditVerifyCommand } from '../../server/modules/audit/audit.cli.js';
import { backupCreateCommand, backupListCommand, backupRestoreCommand, backupVerifyCommand } from '../../server/modules/backup/backup.cli.js';
import type { Command, CommandArgs } from '../command.js';

/** Opens the configured database, brought up to date, for one command, and always closes it. */
async function withDatabase(run: (ctx: Db, config: Config) => Promise<number>): Promise<number> {
  const config = loadConfig();
  const ctx = connect(config.database);
  try {
    await migrateToLatest(ctx.kysely, ctx.dialect);
    return await run(ctx, config);
  } finally {
    await ctx.close();
  }
}

type BackupRunner = (ctx: Db, config: Config, args: string[]) => Promise<number>;

function backupSubcommand(sub: string, usage: string, summary: string, runner: BackupRunner, options: Command['options'] = {}): Command {
  return {
    name: `backup ${sub}`,
    usage,
    summary,
    options,
    run: (args: CommandArgs) => withDatabase((ctx, config) => runner(ctx, config, [...args.positionals, ...(args.values.force ? ['--force'] : []), ...(args.values.full ? ['--full'] : [])])),
  };
}

export const backupCommands: Command[] = [
  backupSubcommand('create', '[--full]', 'Take a checksummed backup now (into ORDERLY_BACKUP_DIR); --full keeps password and token hashes', backupCreateCommand, {
    full: { type: 'boolean' },
  }),
  backupSubcommand('list', '', 'List backups, newest first, with their verification state', backupListCommand),
  backupSubcommand('verify', '<name|path>', 'Check a backup’s checksums and restore it into a throw-away database', backupVerifyCommand),
  backupSubcommand('restore', '<name|path> [--force]', 'Restore a verified backup into this database (empty, or --force to replace it)', backupRestoreCommand, {
    force: { type: 'boolean' },
  }),
];

export const auditVerifyCliCommand: Command = {
  name: 'audit verify',
  usage: '',
  summary: 'Recompute the audit hash chain, check it against signed checkpoints and backups, and name what was changed or removed',
  run: () => withDatabase((ctx, config) => auditVerifyCommand(ctx, config)),
};

export const auditCheckpointCliCommand: Command = {
  name: 'audit checkpoint',
  usage: '',
  summary: 'Note the audit chain head now, signed with ORDERLY_AUDIT_SIGNING_KEY when set',
  run: () => withDatabase((ctx, config) => auditCheckpointCommand(ctx, config)),
};

export const auditAnchorsCliCommand: Command = {
  name: 'audit anchors',
  usage: '',
  summary: 'Print the checkpoint public key and every checkpoint as JSON, for auditors to keep',
  run: () => withDatabase((ctx, config) => auditAnchorsCommand(ctx, config)),
};
