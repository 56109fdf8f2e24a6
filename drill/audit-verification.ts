/**
 * The one question every drill asks of the audit log: is it intact? Kept in one function so that, once the
 * signed audit checkpoints (issue #10, ORDERLY_AUDIT_SIGNING_KEY) are merged, pointing this at their
 * verification and setting CHECKPOINTS_VERIFIED is the whole change: the tampering rows that only
 * checkpoints can catch then expect "detected" too.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../src/server/db/schema.js';
import { verifyAuditChain } from '../src/server/platform/audit.js';

/** What verifyAuditForDrill checks, printed with the results. */
export const AUDIT_VERIFICATION = 'hash chain (verifyAuditChain)';
/** True once verifyAuditForDrill also checks signed checkpoints: truncation, re-chaining and forged appends are then detectable. */
export const CHECKPOINTS_VERIFIED = false;

export interface DrillVerification {
  ok: boolean;
  checked: number;
  detail: string;
  /** The first entry that does not verify, so a report can show what it was. */
  firstBrokenId?: number;
}

/** Takes a connection or a transaction: the tampering drill verifies inside the transaction it rolls back. */
export async function verifyAuditForDrill(db: Kysely<DB>): Promise<DrillVerification> {
  const chain = await verifyAuditChain(db);
  return {
    ok: chain.ok,
    checked: chain.checked,
    detail: chain.ok ? `${chain.checked} entries intact` : `broken at entry ${chain.firstBrokenId}`,
    ...(chain.firstBrokenId ? { firstBrokenId: Number(chain.firstBrokenId) } : {}),
  };
}
