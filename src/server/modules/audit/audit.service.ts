import { sql, type Kysely, type Selectable } from 'kysely';
import { Readable } from 'node:stream';
import {
  AUDIT_CSV_COLUMNS,
  type AuditAnchors,
  type AuditEntryView,
  type AuditFilter,
  type AuditList,
  type AuditQuery,
  type AuditVerifyResult,
  type OrderTimeline,
  type TimelineQuery,
} from '../../../contracts/audit.js';
import { dateFilterBound } from '../../../contracts/common.js';
import type { Config } from '../../config.js';
import type { Ctx } from '../../db/context.js';
import { decodeIdCursor, encodeIdCursor } from '../../db/cursor.js';
import { customerNameMatches, lowerContains, startsWith } from '../../db/search.js';
import type { AuditLogTable, DB } from '../../db/schema.js';
import { scopeOf, type Actor } from '../../platform/actor.js';
import { recordAudit, verifyAuditChain } from '../../platform/audit.js';
import { keyIdOf, listCheckpoints, publicKeyPem, reviewCheckpoints } from '../../platform/audit-checkpoints.js';
import { backupAuditHeads } from '../backup/backup.service.js';
import { nowIso } from '../../platform/clock.js';
import { csvCell } from '../../platform/csv.js';
import { personalReader, SEALED_PREFIX, type PersonalReader } from '../../platform/personal-data.js';
import { AppError, notFound } from '../../platform/errors.js';
import { findOrder } from '../orders/orders.queries.js';
import { getOrder } from '../orders/orders.service.js';

type AuditRow = Selectable<AuditLogTable>;

const EXPORT_PAGE = 1000;

/** The entries matching a filter; shared by the search and the export so both mean the same thing. */
function filteredAudit(db: Kysely<DB>, filter: AuditFilter) {
  let q = db.selectFrom('audit_log');
  if (filter.entityType) q = q.where('entity_type', '=', filter.entityType);
  if (filter.entityId) q = q.where('entity_id', '=', filter.entityId);
  if (filter.actorId) q = q.where('actor_id', '=', Number(filter.actorId));
  if (filter.from) q = q.where('at', '>=', dateFilterBound(filter.from, false));
  if (filter.to) q = q.where('at', '<', dateFilterBound(filter.to, true));
  if (filter.action?.length) {
    const actions = filter.action;
    q = q.where((eb) =>
      eb.or(actions.map((a) => (a.endsWith('.*') ? startsWith('action', a.slice(0, -1)) : eb('action', '=', a)))),
    );
  }
  if (filter.q) {
    const text = filter.q;
    // A customer's name is sealed in its entries, so their entries are found by the customer's name today
    // (an erased customer's by nothing). A sealed label is ciphertext in base64, which random letters of it
    // would match ("acme" now and then): it is left out of the text match.
    const customerIds = db.selectFrom('customers').select(sql<string>`cast(id as text)`.as('id')).where(customerNameMatches(db, 'id', text));
    q = q.where((eb) =>
      eb.or([
        eb.and([lowerContains('entity_label', text), eb.not(startsWith('entity_label', SEALED_PREFIX))]),
        ...(['actor_name', 'action', 'reason'] as const).map((column) => lowerContains(column, text)),
        eb.and([eb('entity_type', '=', 'customer'), eb('entity_id', 'in', customerIds)]),
      ]),
    );
  }
  return q;
}


/** The stored diff is JSON text; an unreadable one is shown as it is rather than hidden. */
function parseDiff(diff: string | null): unknown {
  if (diff === null) return null;
  try {
    return JSON.parse(diff);
  } catch {
    return diff;
  }
}

/** Today's display names of the people behind a page of entries: one query per page, not one per row. */
async function displayNamesOf(db: Kysely<DB>, rows: AuditRow[]): Promise<Map<number, string>> {
  const ids = [...new Set(rows.map((r) => r.actor_id).filter((id): id is number => id !== null))];
  if (ids.length === 0) return new Map();
  const users = await db.selectFrom('users').select(['id', 'display_name']).where('id', 'in', ids).where('display_name', 'is not', null).execute();
  return new Map(users.map((u) => [u.id, u.display_name!]));
}

/** Opens the personal values sealed in a page of entries (an erased customer's read as erased). */
const readerOf = (db: Kysely<DB>, rows: AuditRow[]) => personalReader(db, rows.flatMap((r) => [r.entity_label, r.diff]));

function entryView(r: AuditRow, names: Map<number, string>, personal: PersonalReader): AuditEntryView {
  return {
    id: String(r.id),
    at: r.at,
    actor: {
      type: r.actor_type as AuditEntryView['actor']['type'],
      id: r.actor_id === null ? null : String(r.actor_id),
      name: r.actor_name,
      displayName: r.actor_id === null ? null : (names.get(r.actor_id) ?? null),
    },
    action: r.action,
    entityType: r.entity_type,
    entityId: r.entity_id,
    entityLabel: personal.text(r.entity_label),
    diff: personal.json(parseDiff(r.diff)),
    reason: r.reason,
    ip: r.ip,
    userAgent: r.user_agent,
    requestId: r.request_id,
    hash: r.hash,
  };
}

/** Newest first; the id is the chain order, so the keyset cursor is the last id seen. */
export async function searchAudit(ctx: Ctx, query: AuditQuery): Promise<AuditList> {
  let q = filteredAudit(ctx.kysely, query).selectAll().orderBy('id', 'desc').limit(query.limit + 1);
  if (query.cursor) q = q.where('id', '<', decodeIdCursor(query.cursor));
  const rows = await q.execute();
  const page = rows.slice(0, query.limit);
  const names = await displayNamesOf(ctx.kysely, page);
  const personal = await readerOf(ctx.kysely, page);
  return { items: page.map((r) => entryView(r, names, personal)), nextCursor: rows.length > query.limit ? encodeIdCursor(page[page.length - 1].id) : null };
}

/**
 * The chain, checked against every anchor outside its own reach: the checkpoints (trusted when signed with the
 * configured key) and the audit head recorded in each backup manifest in the backup directory.
 *
 * A restore replaces the log with an older one on purpose, so backups taken before the newest restore are not
 * held against it (the restore's own entry and the checkpoints after it anchor the new history).
 */
export async function verifyAudit(ctx: Ctx, config: Pick<Config, 'auditSigningKey' | 'backupDir'>): Promise<AuditVerifyResult> {
  const checkpoints = await listCheckpoints(ctx.kysely);
  const review = reviewCheckpoints(checkpoints, config.auditSigningKey);
  const lastRestore = await ctx.kysely.selectFrom('audit_log').select('at').where('action', '=', 'backup.restore').orderBy('id', 'desc').limit(1).executeTakeFirst();
  const backups = backupAuditHeads(config.backupDir).filter((b) => b.auditHead && (!lastRestore || b.createdAt > lastRestore.at));
  const anchors = [...review.anchors, ...backups.map((b) => ({ entryId: b.auditHead!.id, hash: b.auditHead!.hash, source: `backup ${b.name}` }))];
  const chain = await verifyAuditChain(ctx.kysely, anchors);
  const warnings = [...review.warnings];
  if (!config.auditSigningKey) warnings.push('ORDERLY_AUDIT_SIGNING_KEY is not set: checkpoints are not signed, so the log is unanchored (it shows accidents, not a forger with write access to the database)');
  const signed = review.latestSigned;
  const problems = [...review.problems, ...chain.problems];
  return {
    ok: chain.ok && problems.length === 0,
    checked: chain.checked,
    ...(chain.firstBrokenId ? { firstBrokenId: chain.firstBrokenId } : {}),
    ...(chain.lastId ? { lastId: chain.lastId, lastHash: chain.lastHash } : {}),
    problems,
    warnings,
    anchored: signed !== null,
    ...(signed ? { anchoredId: String(signed.entryId), anchoredAt: signed.at } : {}),
    unanchoredEntries: signed ? Math.max(0, chain.checked - (await countEntriesUpTo(ctx, signed.entryId))) : chain.checked,
    checkpointsChecked: checkpoints.length,
    backupsChecked: backups.length,
  };
}

async function countEntriesUpTo(ctx: Ctx, id: number): Promise<number> {
  const row = await ctx.kysely.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).where('id', '<=', id).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The public key and every checkpoint, for auditors to keep outside the server. */
export async function exportAnchors(ctx: Ctx, config: Pick<Config, 'auditSigningKey'>): Promise<AuditAnchors> {
  const key = config.auditSigningKey;
  return {
    algorithm: 'ed25519',
    publicKey: key ? publicKeyPem(key) : null,
    keyId: key ? keyIdOf(key) : null,
    messageFormat: 'orderly-audit-checkpoint/1\\n<entryId>\\n<headHash>\\n<at>\\n (UTF-8)',
    checkpoints: (await listCheckpoints(ctx.kysely)).map((c) => ({ ...c, id: String(c.id), entryId: String(c.entryId) })),
  };
}

/**
 * Whoever may read the order may read its history (same scope, same 404). A deleted or purged order is gone
 * from the order book, but its history stays readable for auditors and for those who may restore it.
 */
async function assertTimelineReadable(ctx: Ctx, actor: Actor, orderId: number): Promise<void> {
  try {
    await getOrder(ctx, actor, orderId);
    return;
  } catch (error) {
    if (!(error instanceof AppError && error.code === 'not_found')) throw error;
  }
  if (scopeOf(actor, 'audit.read')) {
    const any = await ctx.kysely.selectFrom('audit_log').select('id').where('entity_type', '=', 'order').where('entity_id', '=', String(orderId)).limit(1).executeTakeFirst();
    if (any) return;
  }
  if (scopeOf(actor, 'orders.restore') && (await findOrder(ctx.kysely, orderId, {}, { includeDeleted: true }))) return;
  throw notFound('Order');
}

/** An order's history, oldest first: who did what, when and why. */
export async function orderTimeline(ctx: Ctx, actor: Actor, orderId: number, query: TimelineQuery): Promise<OrderTimeline> {
  await assertTimelineReadable(ctx, actor, orderId);
  let q = ctx.kysely
    .selectFrom('audit_log')
    .selectAll()
    .where('entity_type', '=', 'order')
    .where('entity_id', '=', String(orderId))
    .orderBy('id', 'asc')
    .limit(query.limit + 1);
  if (query.cursor) q = q.where('id', '>', decodeIdCursor(query.cursor));
  const rows = await q.execute();
  const page = rows.slice(0, query.limit);
  const names = await displayNamesOf(ctx.kysely, page);
  const personal = await readerOf(ctx.kysely, page);
  return {
    items: page.map((r) => {
      const { id, at, actor: who, action, diff, reason } = entryView(r, names, personal);
      return { id, at, actor: who, action, diff, reason };
    }),
    nextCursor: rows.length > query.limit ? encodeIdCursor(page[page.length - 1].id) : null,
  };
}

/**
 * One entry as a CSV line, personal values opened like the log's own page shows them (an erased customer's read
 * as erased). Hashes are over the sealed text, so `audit verify`, not this file, is what checks the chain.
 */
function csvRow(r: AuditRow, personal: PersonalReader): string {
  const cells = [r.id, r.at, r.actor_type, r.actor_id, r.actor_name, r.action, r.entity_type, r.entity_id, personal.text(r.entity_label), personal.jsonText(r.diff), r.reason, r.ip, r.user_agent, r.request_id, r.prev_hash, r.hash];
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/** Pages through the matching entries newest first, so a large log never sits in memory at once. */
async function* auditCsvLines(db: Kysely<DB>, filter: AuditFilter, upToId: number): AsyncGenerator<string> {
  // The BOM makes Excel read the file as UTF-8 (Chinese names would be garbled otherwise).
  yield `\uFEFF${AUDIT_CSV_COLUMNS.join(',')}\r\n`;
  let beforeId = upToId + 1;
  for (;;) {
    const rows = await filteredAudit(db, filter).selectAll().where('id', '<', beforeId).orderBy('id', 'desc').limit(EXPORT_PAGE).execute();
    if (rows.length === 0) return;
    const personal = await readerOf(db, rows);
    yield rows.map((r) => csvRow(r, personal)).join('');
    if (rows.length < EXPORT_PAGE) return;
    beforeId = rows[rows.length - 1].id;
  }
}

/**
 * Records the export in the log, then streams the entries that existed when it was asked for.
 * The record comes first: an export that is started and abandoned is still an export of the log.
 */
export async function exportAuditCsv(ctx: Ctx, actor: Actor, filter: AuditFilter): Promise<{ filename: string; body: Readable }> {
  const head = await ctx.kysely.selectFrom('audit_log').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
  const upToId = Number(head?.id ?? 0);
  const given = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined));
  await ctx.kysely.transaction().execute((trx) =>
    recordAudit(trx, ctx.dialect, actor, { action: 'audit.export', entityType: 'audit', entityLabel: 'CSV export', diff: { format: 'csv', filter: given, upToId: String(upToId) } }),
  );
  const filename = `orderly-audit-${nowIso().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}.csv`;
  return { filename, body: Readable.from(auditCsvLines(ctx.kysely, filter, upToId)) };
}
