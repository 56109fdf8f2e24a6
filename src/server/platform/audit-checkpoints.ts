import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { Ctx } from '../db/context.js';
import type { DB } from '../db/schema.js';
import { GENESIS_HASH, hashAuditRow, type ChainAnchor } from './audit.js';
import { nowIso } from './clock.js';
import type { JobDefinition } from './jobs.js';

/**
 * Checkpoints of the audit chain's head. A chain re-computed after an edit, or cut short, is intact by itself;
 * a checkpoint signed with a key the database does not hold says which hash entry N had at a time, and that
 * cannot be re-made by whoever can only write to the database.
 */
export interface Checkpoint {
  id: number;
  entryId: number;
  headHash: string;
  at: string;
  signature: string | null;
  keyId: string | null;
}

/** The signed bytes; published in the README so an auditor can check a checkpoint with any Ed25519 tool. */
export function checkpointMessage(entryId: number, headHash: string, at: string): Buffer {
  return Buffer.from(`orderly-audit-checkpoint/1\n${entryId}\n${headHash}\n${at}\n`, 'utf8');
}

export function publicKeyOf(privateKey: KeyObject): KeyObject {
  return createPublicKey(privateKey);
}

/** First 16 hex digits of sha256 of the public key's SPKI DER: names the key without revealing anything. */
export function keyIdOf(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256').update(publicKey.export({ format: 'der', type: 'spki' })).digest('hex').slice(0, 16);
}

export function publicKeyPem(privateKey: KeyObject): string {
  return publicKeyOf(privateKey).export({ format: 'pem', type: 'spki' }).toString();
}

type CheckpointRow = Omit<DB['audit_checkpoints'], 'id'> & { id: number };

function toCheckpoint(r: CheckpointRow): Checkpoint {
  return { id: Number(r.id), entryId: Number(r.entry_id), headHash: r.head_hash, at: r.at, signature: r.signature, keyId: r.key_id };
}

export async function listCheckpoints(db: Kysely<DB>): Promise<Checkpoint[]> {
  const rows = await db.selectFrom('audit_checkpoints').selectAll().orderBy('id').execute();
  return rows.map(toCheckpoint);
}

export type CheckpointTrust = 'signed' | 'bad_signature' | 'other_key' | 'unsigned';

/** Whether a checkpoint's signature is good under the configured key. */
export function checkpointTrust(c: Checkpoint, signingKey: KeyObject | null): CheckpointTrust {
  if (c.signature === null) return 'unsigned';
  if (!signingKey || c.keyId !== keyIdOf(signingKey)) return 'other_key';
  const good = verify(null, checkpointMessage(c.entryId, c.headHash, c.at), publicKeyOf(signingKey), Buffer.from(c.signature, 'base64'));
  return good ? 'signed' : 'bad_signature';
}

export interface CheckpointReview {
  anchors: ChainAnchor[];
  problems: string[];
  warnings: string[];
  /** The newest checkpoint whose signature verified under the configured key. */
  latestSigned: Checkpoint | null;
}

/**
 * Sorts the stored checkpoints into anchors and complaints. With a key, only good signatures anchor (an
 * unsigned row proves nothing: anyone with write access could have added it); a bad signature is a forgery.
 * Without a key, unsigned checkpoints still anchor: they catch accidents and careless edits, not an attacker.
 */
export function reviewCheckpoints(checkpoints: Checkpoint[], signingKey: KeyObject | null): CheckpointReview {
  const review: CheckpointReview = { anchors: [], problems: [], warnings: [], latestSigned: null };
  let otherKey = 0;
  for (const c of checkpoints) {
    const trust = checkpointTrust(c, signingKey);
    const anchor = (source: string) => review.anchors.push({ entryId: c.entryId, hash: c.headHash, source });
    if (trust === 'signed') {
      anchor(`signed checkpoint ${c.id} of ${c.at}`);
      review.latestSigned = c;
    } else if (trust === 'bad_signature') {
      review.problems.push(`Checkpoint ${c.id} of ${c.at} carries a signature that does not verify: it was forged or altered`);
    } else if (trust === 'other_key') {
      otherKey++;
    } else if (!signingKey) {
      anchor(`unsigned checkpoint ${c.id} of ${c.at}`);
    }
  }
  if (otherKey > 0) review.warnings.push(`${otherKey} checkpoint(s) are signed with a key other than ORDERLY_AUDIT_SIGNING_KEY and were not checked`);
  return review;
}

/** Links and hashes of the entries after `fromId`, which must carry `fromHash`; the first bad entry's id or null. */
async function firstBreakAfter(db: Kysely<DB>, fromId: number, fromHash: string): Promise<number | null> {
  let prev = fromHash;
  let afterId = fromId;
  for (;;) {
    const batch = await db.selectFrom('audit_log').selectAll().where('id', '>', afterId).orderBy('id').limit(5000).execute();
    if (batch.length === 0) return null;
    for (const row of batch) {
      if (row.prev_hash !== prev || hashAuditRow(row) !== row.hash) return row.id;
      prev = row.hash;
      afterId = row.id;
    }
  }
}

export class CheckpointRefused extends Error {}

/**
 * Notes the current head, signed when a key is configured; does nothing when the head is already noted.
 * Before signing, it checks that the log still holds the previous trusted checkpoint's entry with the same
 * hash and that every entry since links and hashes correctly: a signer that signed whatever head it found
 * would bless a rewritten log. A refusal throws, so the job records the error and verify keeps failing.
 */
export async function writeCheckpoint(ctx: Ctx, signingKey: KeyObject | null): Promise<Checkpoint | null> {
  const db = ctx.kysely;
  const head = await db.selectFrom('audit_log').select(['id', 'hash']).orderBy('id', 'desc').limit(1).executeTakeFirst();
  if (!head) return null;
  const checkpoints = await listCheckpoints(db);
  const latest = checkpoints.at(-1);
  if (latest && latest.entryId === head.id && latest.headHash === head.hash && (latest.signature !== null) === (signingKey !== null)) return null;

  // Only what is trusted is a base: with a key, the newest good signature; without, the newest checkpoint.
  const trusted = reviewCheckpoints(checkpoints, signingKey).anchors.at(-1);
  let from = { id: 0, hash: GENESIS_HASH };
  if (trusted) {
    const entry = await db.selectFrom('audit_log').select('hash').where('id', '=', trusted.entryId).executeTakeFirst();
    if (entry?.hash !== trusted.hash) {
      throw new CheckpointRefused(`Not signing: entry ${trusted.entryId} ${entry ? 'no longer has the hash' : 'is missing, though'} ${trusted.source} recorded`);
    }
    from = { id: trusted.entryId, hash: trusted.hash };
  }
  const broken = await firstBreakAfter(db, from.id, from.hash);
  if (broken !== null) throw new CheckpointRefused(`Not signing: the audit chain is broken at entry ${broken}`);

  const at = nowIso();
  const row = {
    entry_id: head.id,
    head_hash: head.hash,
    at,
    signature: signingKey ? sign(null, checkpointMessage(head.id, head.hash, at), signingKey).toString('base64') : null,
    key_id: signingKey ? keyIdOf(signingKey) : null,
  };
  const inserted = await db.insertInto('audit_checkpoints').values(row).returning('id').executeTakeFirstOrThrow();
  return toCheckpoint({ ...row, id: Number(inserted.id) });
}

/** Checkpoints every 15 minutes when something was written; cheap when nothing was (one read, no write). */
export function auditCheckpointJob(config: Config): JobDefinition {
  return {
    name: 'audit-checkpoint',
    intervalMs: 15 * 60_000,
    leaseMs: 30 * 60_000,
    run: (ctx) => writeCheckpoint(ctx, config.auditSigningKey),
  };
}
