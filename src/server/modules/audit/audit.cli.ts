import type { Config } from '../../config.js';
import type { Ctx } from '../../db/context.js';
import { CheckpointRefused, writeCheckpoint } from '../../platform/audit-checkpoints.js';
import { exportAnchors, verifyAudit } from './audit.service.js';

interface Output {
  write(text: string): unknown;
}

type AuditConfig = Pick<Config, 'auditSigningKey' | 'backupDir'>;

/**
 * `orderly audit verify`: re-computes the audit hash chain, checks it against the signed checkpoints and the
 * heads recorded in the backups, and names what does not match. Exit code 0 when all agree, 1 when not, so a
 * cron job or CI step can alert on it.
 */
export async function auditVerifyCommand(ctx: Ctx, config: AuditConfig, out: Output = process.stdout, err: Output = process.stderr): Promise<number> {
  const result = await verifyAudit(ctx, config);
  for (const w of result.warnings) err.write(`Note: ${w}.\n`);
  if (result.ok) {
    out.write(`Audit log intact: ${result.checked} entries verified against ${result.checkpointsChecked} checkpoint(s) and ${result.backupsChecked} backup(s).\n`);
    // The head is worth noting elsewhere: a later log without it has lost its tail.
    if (result.lastId) out.write(`Head: entry ${result.lastId}, hash ${result.lastHash}\n`);
    out.write(
      result.anchored
        ? `Anchored: a signed checkpoint of ${result.anchoredAt} vouches for entries up to ${result.anchoredId}; ${result.unanchoredEntries} newer entries are not signed for yet.\n`
        : 'Unanchored: no signed checkpoint vouches for this log.\n',
    );
    return 0;
  }
  if (result.firstBrokenId) {
    err.write(`Audit log BROKEN at entry ${result.firstBrokenId}: its content or its link to the previous entry does not match.\n`);
    err.write(`${result.checked} entries before it verified${result.lastId ? `; last intact entry ${result.lastId}, hash ${result.lastHash}` : ''}.\n`);
  } else {
    err.write(`Audit log does NOT match its anchors (${result.checked} entries link correctly, but):\n`);
  }
  for (const p of result.problems) err.write(`  - ${p}\n`);
  return 1;
}

/** `orderly audit checkpoint`: notes (and signs, with a key) the current head now, e.g. before handing a log over. */
export async function auditCheckpointCommand(ctx: Ctx, config: AuditConfig, out: Output = process.stdout, err: Output = process.stderr): Promise<number> {
  try {
    const c = await writeCheckpoint(ctx, config.auditSigningKey);
    if (!c) out.write('Nothing to do: the current head is already checkpointed (or the log is empty).\n');
    else out.write(`Checkpoint ${c.id}: entry ${c.entryId}, hash ${c.headHash}, ${c.signature ? `signed with key ${c.keyId}` : 'NOT signed (ORDERLY_AUDIT_SIGNING_KEY is not set)'}.\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof CheckpointRefused)) throw error;
    err.write(`${error.message}\n`);
    return 1;
  }
}

/** `orderly audit anchors`: the public key and the checkpoint log as JSON, for an auditor to keep. */
export async function auditAnchorsCommand(ctx: Ctx, config: AuditConfig, out: Output = process.stdout): Promise<number> {
  out.write(`${JSON.stringify(await exportAnchors(ctx, config), null, 2)}\n`);
  return 0;
}
