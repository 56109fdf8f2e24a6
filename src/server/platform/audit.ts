import { createHash, hash } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { lockForChain, type Dialect } from '../db/connect.js';
import { insertRowSet, type SetColumns, type SetRow } from '../db/row-sets.js';
import type { DB } from '../db/schema.js';
import type { Actor } from './actor.js';
import { nowIso } from './clock.js';
import { wellFormedText } from './canonical-input.js';
import { sealPersonalValues, type Personal } from './personal-data.js';

export const GENESIS_HASH = '0'.repeat(64);
const AUDIT_CHAIN_LOCK = 7_201_001;

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId?: string | number | null;
  /** A Personal (see personal-data.ts) anywhere in label or diff is stored sealed with its customer's key. */
  entityLabel?: string | Personal | null;
  diff?: unknown;
  reason?: string | null;
}

type AuditRow = Omit<DB['audit_log'], 'id' | 'hash' | 'hash_version' | 'seq'> & { hash?: string; hash_version?: number };

/** The encoding new entries are hashed with; older entries keep theirs (see hashAuditRow). */
export const AUDIT_HASH_VERSION = 2;

/**
 * Text exactly as both databases store and return it: a lone UTF-16 surrogate has no UTF-8 form (SQLite and
 * PostgreSQL would each turn it into something else) and PostgreSQL refuses NUL in text, so both become
 * U+FFFD. Every string of an entry passes through here before it is hashed AND before it is stored, so the
 * hash is always over the bytes read back.
 */
export function canonicalText(text: string): string {
  const wellFormed = wellFormedText(text);
  return wellFormed.includes('\u0000') ? wellFormed.replaceAll('\u0000', '\uFFFD') : wellFormed;
}
const canonical = (text: string | null): string | null => (text === null ? null : canonicalText(text));

/**
 * Version 1, kept so that chains written before version 2 still verify: NULL and '' hash alike, and a string
 * the database could not store as given hashes differently from what it stored.
 */
function hashV1(row: AuditRow): string {
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
 * Version 2: a JSON array tagged with its version, NULL as JSON null (so NULL ≠ ''), hashed as UTF-8.
 * Strings are canonical (canonicalText) when written, so the UTF-8 bytes are the ones stored.
 */
function hashV2(row: AuditRow): string {
  const content = [
    'orderly-audit/2',
    row.prev_hash,
    row.at,
    row.actor_type,
    row.actor_id,
    row.actor_name,
    row.action,
    row.entity_type,
    row.entity_id,
    row.entity_label,
    row.diff,
    row.reason,
    row.ip,
    row.user_agent,
    row.request_id,
  ];
  // One-shot hash: no Hash object per entry (a thousand-order deletion hashes a thousand entries in a row).
  return hash('sha256', JSON.stringify(content), 'hex');
}

/** The hashed content of an entry: every column but id and hash, in a fixed order, in the entry's encoding. */
export function hashAuditRow(row: AuditRow): string {
  const version = row.hash_version ?? AUDIT_HASH_VERSION;
  if (version === 1) return hashV1(row);
  if (version === 2) return hashV2(row);
  // An unknown version cannot verify; a hash no entry can have makes it fail as broken.
  return 'unknown-hash-version';
}

/**
 * Appends entries to the hash chain inside the caller's transaction, so the record commits with the change.
 *
 * Why the chain stays linear with many writers: on PostgreSQL the advisory lock serialises writers across
 * connections and instances and is released only after commit; the last hash is read AFTER the lock is
 * granted, and under READ COMMITTED that statement takes a fresh snapshot, so it sees the previous holder's
 * committed row. (A REPEATABLE READ transaction would read a stale head: the unique index on seq then
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
  const given = Array.isArray(entries) ? entries : [entries];
  if (given.length === 0) return;
  // Sealed before the chain lock: a customer's first data key is a row write, and rows come before the chain.
  // One pass over all entries, so a call of many entries reads the keys once (none when nothing is personal).
  const sealed = await sealPersonalValues(trx, given.map((e) => [e.entityLabel, e.diff]));
  const list = given.map((e, i) => ({ ...e, entityLabel: sealed[i][0] as string | null | undefined, diff: sealed[i][1] }));
  await lockForChain(trx, dialect, AUDIT_CHAIN_LOCK);
  // The head and the highest place, read together: each entry takes the next place, and a place already taken
  // (a stale read) fails the unique index on seq. Entries from before migration 0032 have no place.
  const { rows: heads } = await sql<{ hash: string; seq: number | null }>`select hash, (select max(seq) from audit_log) as seq from audit_log order by id desc limit 1`.execute(trx);
  let prev = heads[0]?.hash ?? GENESIS_HASH;
  let seq = heads[0]?.seq ?? 0;
  const at = nowIso();
  // What every entry of the call shares is canonicalised once; the chain is then hashed in one pass and the
  // entries go in as one statement, in chain order (ids are drawn in insert order).
  const actorType = canonicalText(actor.type);
  const actorName = canonical(actor.name);
  const ip = canonical(actor.ip);
  const userAgent = canonical(actor.userAgent);
  const requestId = canonical(actor.requestId);
  const rows: SetRow[] = list.map((e) => {
    const row: AuditRow & { hash_version: number } = {
      prev_hash: prev,
      at,
      actor_type: actorType,
      actor_id: actor.userId,
      actor_name: actorName,
      action: canonicalText(e.action),
      entity_type: canonicalText(e.entityType),
      entity_id: e.entityId == null ? null : canonicalText(String(e.entityId)),
      entity_label: canonical(e.entityLabel ?? null),
      // JSON.stringify writes NUL as \u0000 and a lone surrogate as an escape, so only the rest needs it.
      diff: e.diff === undefined ? null : canonicalText(JSON.stringify(e.diff)),
      reason: canonical(e.reason ?? null),
      ip,
      user_agent: userAgent,
      request_id: requestId,
      hash_version: AUDIT_HASH_VERSION,
    };
    const hash = hashAuditRow(row);
    seq += 1;
    const written: Record<string, string | number | null> = { ...row, hash, seq };
    const values: SetRow = AUDIT_COLUMNS.map(([column]) => written[column]);
    prev = hash;
    return values;
  });
  await insertRowSet(trx, dialect, 'audit_log', AUDIT_COLUMNS, rows);
}

/** Every column of an entry, in the order its values are written. */
const AUDIT_COLUMNS: SetColumns = [
  ['prev_hash', 'text'],
  ['at', 'text'],
  ['actor_type', 'text'],
  ['actor_id', 'int'],
  ['actor_name', 'text'],
  ['action', 'text'],
  ['entity_type', 'text'],
  ['entity_id', 'text'],
  ['entity_label', 'text'],
  ['diff', 'text'],
  ['reason', 'text'],
  ['ip', 'text'],
  ['user_agent', 'text'],
  ['request_id', 'text'],
  ['hash_version', 'int'],
  ['hash', 'text'],
  ['seq', 'int'],
];

/** Field-level before/after of the keys that changed. */
export function diffFields(before: Record<string, unknown>, after: Record<string, unknown>) {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of Object.keys(after)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) changes[key] = { from: before[key] ?? null, to: after[key] ?? null };
  }
  return changes;
}

/** A hash some entry must have, noted outside the chain's own reach (a signed checkpoint, a backup manifest). */
export interface ChainAnchor {
  entryId: number;
  hash: string;
  /** Where the anchor comes from, for the message: "signed checkpoint 12 of 2026-03-14T09:30:05.000Z". */
  source: string;
}

export interface ChainVerification {
  ok: boolean;
  checked: number;
  /** The first entry whose content or link to its predecessor does not match. */
  firstBrokenId?: string;
  /** The last intact entry, to be noted elsewhere: a later log that lacks it was truncated. */
  lastId?: string;
  lastHash?: string;
  /** Each anchor the log contradicts, in a sentence; any makes `ok` false. */
  problems: string[];
}

/**
 * Re-computes every hash in chain (id) order, each entry in its own encoding. An edited entry breaks its own
 * hash; a deleted or inserted entry breaks the link of the entry after it. A chain that was re-computed after
 * an edit, or lost its newest entries, is intact by itself: only the anchors show it — an anchored entry with
 * another hash, missing, or beyond the end of the log.
 */
export async function verifyAuditChain(db: Kysely<DB>, anchors: ChainAnchor[] = []): Promise<ChainVerification> {
  const pending = [...anchors].sort((a, b) => a.entryId - b.entryId);
  const problems: string[] = [];
  let next = 0;
  let prev = GENESIS_HASH;
  let checked = 0;
  let afterId = 0;
  const head = () => (checked > 0 ? { lastId: String(afterId), lastHash: prev } : {});
  for (;;) {
    const batch = await db.selectFrom('audit_log').selectAll().where('id', '>', afterId).orderBy('id').limit(5000).execute();
    if (batch.length === 0) break;
    for (const row of batch) {
      if (row.prev_hash !== prev || hashAuditRow(row) !== row.hash) return { ok: false, checked, firstBrokenId: String(row.id), ...head(), problems };
      for (; next < pending.length && pending[next].entryId <= row.id; next++) {
        const anchor = pending[next];
        if (anchor.entryId < row.id) problems.push(`Entry ${anchor.entryId}, which ${anchor.source} recorded, is missing from the log`);
        else if (anchor.hash !== row.hash) problems.push(`Entry ${row.id} differs from the hash ${anchor.source} recorded: the chain was rewritten from there or earlier`);
      }
      prev = row.hash;
      checked++;
      afterId = row.id;
    }
  }
  for (; next < pending.length; next++) {
    const anchor = pending[next];
    problems.push(`The log ends at entry ${afterId}, but ${anchor.source} recorded entry ${anchor.entryId}: the newest entries were removed`);
  }
  return { ok: problems.length === 0, checked, ...head(), problems };
}
