/**
 * The one question every drill asks of the audit log: is it intact? It asks it the way `orderly audit verify`
 * does for the log and its checkpoints: the hash chain, checked against every checkpoint signed with the
 * drill's ORDERLY_AUDIT_SIGNING_KEY. The backup manifests verify also uses are left out on purpose: the
 * tampering drill rolls the log back inside a transaction, which a manifest on disk would not follow.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Ctx } from '../src/server/db/context.js';
import type { DB } from '../src/server/db/schema.js';
import { verifyAuditChain } from '../src/server/platform/audit.js';
import { listCheckpoints, reviewCheckpoints, writeCheckpoint } from '../src/server/platform/audit-checkpoints.js';

/** What verifyAuditForDrill checks, printed with the results. */
export const AUDIT_VERIFICATION = 'hash chain + signed checkpoints (verifyAuditChain with checkpoint anchors)';
/** verifyAuditForDrill checks signed checkpoints: truncation, re-chaining and forged replacements are detectable. */
export const CHECKPOINTS_VERIFIED = true;

export interface DrillVerification {
  ok: boolean;
  checked: number;
  detail: string;
  /** The first entry that does not verify, so a report can show what it was. */
  firstBrokenId?: number;
}

/** A fresh key per drill run, as PKCS#8 PEM (what ORDERLY_AUDIT_SIGNING_KEY takes): nothing is kept after it. */
export function drillSigningKeyPem(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

/** Signs the current head, so what follows is checked against it; a no-op when the head is already signed. */
export async function checkpointForDrill(ctx: Ctx, signingKey: KeyObject | null): Promise<void> {
  if (!signingKey) throw new Error('the drill needs ORDERLY_AUDIT_SIGNING_KEY to sign audit checkpoints');
  await writeCheckpoint(ctx, signingKey);
}

/** Takes a connection or a transaction: the tampering drill verifies inside the transaction it rolls back. */
export async function verifyAuditForDrill(db: Kysely<DB>, signingKey: KeyObject | null): Promise<DrillVerification> {
  // Without the key, unsigned rows would anchor, and anyone able to write the log can write those too.
  if (!signingKey) return { ok: false, checked: 0, detail: 'no ORDERLY_AUDIT_SIGNING_KEY: checkpoints cannot be verified' };
  const review = reviewCheckpoints(await listCheckpoints(db), signingKey);
  const chain = await verifyAuditChain(db, review.anchors);
  const problems = [...review.problems, ...chain.problems];
  const ok = chain.ok && problems.length === 0;
  const detail = chain.firstBrokenId
    ? `broken at entry ${chain.firstBrokenId}`
    : problems.length
      ? problems[0]
      : `${chain.checked} entries intact, ${review.anchors.length} signed checkpoint(s) hold`;
  return { ok, checked: chain.checked, detail, ...(chain.firstBrokenId ? { firstBrokenId: Number(chain.firstBrokenId) } : {}) };
}
