import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { lockForChain, type Dialect } from '../db/connect.js';
import type { DB } from '../db/schema.js';
import type { Actor } from './actor.js';
import { nowIso } from './clock.js';

export const GENESIS_HASH = '0'.repeat(64);
const AUDIT_CHAIN_LOCK = 7_201_001;

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId?: string | number | null;
  entityLabel?: string | null;
  diff?: unknown;
  reason?: string | null;
}

type AuditRow = Omit<DB['audit_log'], 'id' | 'hash'> & { hash?: string };

/** The hashed content of an entry: every column but id and hash, in a fixed order. */
export function hashAuditRow(row: AuditRow): string {
  const content = [
    row.prev_hash,
    row.at,
    row.actor_type,
    row.actor_id ?? '',
    row.actor_name ?? '',
    row.action,
    row.entity_type,
    row.entity_id ?? '',
    row.entity_label ?? '',
    row.diff ?? '',
    row.reason ?? '',
    row.ip ?? '',
    row.user_agent ?? '',
    row.request_id ?? '',
  ];
  return createHash('sha256').update(JSON.stringify(content)).digest('hex');
}

/**
 * Appends entries to the hash chain inside the caller's transaction, so the record commits with the change.
 *
 * Why the chain stays linear with many writers: on PostgreSQL the advisory lock serialises writers across
 * connections and instances and is released only after commit; the last hash is read AFTER the lock is
 * granted, and under READ COMMITTED that statement takes a fresh snapshot, so it sees the previous holder's
 * committed row. (A REPEATABLE READ transaction would read a stale head: the unique index on prev_hash then
 * makes it fail instead of forking the chain.) SQLite has one writer per database; a second process is
 * refused by WAL when its read snapshot is stale. Ids are drawn under the lock, so id order is chain order.
 *
 * Call it after the command's own row writes: taking the chain lock last keeps one lock order (rows, then
 * chain), so writers cannot deadlock on it, and holds it only for the few statements before commit.
 */
export async function recordAudit(
  trx: Transaction<DB>,
  dialect: Dialect,
  actor: Actor,
  entries: AuditEntry | AuditEntry[],
): Promise<void> {
  const list = Array.isArray(entries) ? entries : [entries];
  if (list.length === 0) return;
  await lockForChain(trx, dialect, AUDIT_CHAIN_LOCK);
  const last = await trx.selectFrom('audit_log').select('hash').orderBy('id', 'desc').limit(1).executeTakeFirst();
  let prev = last?.hash ?? GENESIS_HASH;
  const at = nowIso();
  const rows = list.map((e) => {
    const row: AuditRow = {
      prev_hash: prev,
      at,
      actor_type: actor.type,
      actor_id: actor.userId,
      actor_name: actor.name,
      action: e.action,
      entity_type: e.entityType,
      entity_id: e.entityId == null ? null : String(e.entityId),
      entity_label: e.entityLabel ?? null,
      diff: e.diff === undefined ? null : JSON.stringify(e.diff),
      reason: e.reason ?? null,
      ip: actor.ip,
      user_agent: actor.userAgent,
      request_id: actor.requestId,
    };
    prev = hashAuditRow(row);
    return { ...row, hash: prev };
  });
  for (let i = 0; i < rows.length; i += 500) await trx.insertInto('audit_log').values(rows.slice(i, i + 500)).execute();
}

/** Field-level before/after of the keys that changed. */
export function diffFields(before: Record<string, unknown>, after: Record<string, unknown>) {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of Object.keys(after)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) changes[key] = { from: before[key] ?? null, to: after[key] ?? null };
  }
  return changes;
}

export interface ChainVerification {
  ok: boolean;
  checked: number;
  /** The first entry whose content or link to its predecessor does not match. */
  firstBrokenId?: string;
  /** The last intact entry, to be noted elsewhere: a later log that lacks it was truncated. */
  lastId?: string;
  lastHash?: string;
}

/**
 * Re-computes every hash in chain (id) order. An edited entry breaks its own hash; a deleted or inserted
 * entry breaks the link of the entry after it.
 */
export async function verifyAuditChain(db: Kysely<DB>): Promise<ChainVerification> {
  let prev = GENESIS_HASH;
  let checked = 0;
  let afterId = 0;
  const head = () => (checked > 0 ? { lastId: String(afterId), lastHash: prev } : {});
  for (;;) {
    const batch = await db.selectFrom('audit_log').selectAll().where('id', '>', afterId).orderBy('id').limit(5000).execute();
    if (batch.length === 0) return { ok: true, checked, ...head() };
    for (const row of batch) {
      if (row.prev_hash !== prev || hashAuditRow(row) !== row.hash) return { ok: false, checked, firstBrokenId: String(row.id), ...head() };
      prev = row.hash;
      checked++;
      afterId = row.id;
    }
  }
}
