import type { Kysely } from 'kysely';
import { fromMinor } from '../../../contracts/common.js';
import type { Candidate, CleanupMatch, CleanupRuleView, MatchReason, ReviewSummary } from '../../../contracts/cleanup.js';
import type { OrderStatus } from '../../../contracts/orders.js';
import { idChunks } from '../../db/chunks.js';
import type { Selectable } from 'kysely';
import type { DB } from '../../db/schema.js';
import { isoPlus } from '../../platform/clock.js';
import { filteredOrders } from '../orders/orders.queries.js';

const DAY_MS = 86_400_000;

export const CANDIDATE_COLUMNS = ['o.id', 'o.number', 'o.status', 'o.total', 'o.customer_id', 'c.name as customer_name', 'o.owner_id', 'o.created_at', 'o.updated_at', 'o.version'] as const;
export interface CandidateRow {
  id: number;
  number: string;
  status: string;
  total: number;
  customer_id: number;
  customer_name: string;
  owner_id: number;
  created_at: string;
  updated_at: string;
  version: number;
}

const hasFilter = (match: CleanupMatch) => Object.values(match.filter ?? {}).some((v) => v !== undefined && !(Array.isArray(v) && v.length === 0));

/**
 * The live orders a rule's match selects at `now`: the order-list filter (the same query the list, the export
 * and deletion by filter use), the statuses, and the day counts as bounds on created_at / updated_at, which
 * the (status, updated_at) index answers.
 */
export async function matchingOrders(db: Kysely<DB>, match: CleanupMatch, now: Date) {
  let q = (await filteredOrders(db, match.filter ?? {}, {})).where('o.status', 'in', match.status);
  if (match.olderThanDays !== undefined) q = q.where('o.created_at', '<', isoPlus(now.toISOString(), -match.olderThanDays * DAY_MS));
  if (match.untouchedDays !== undefined) q = q.where('o.updated_at', '<', isoPlus(now.toISOString(), -match.untouchedDays * DAY_MS));
  return q;
}

export async function countMatching(db: Kysely<DB>, match: CleanupMatch, now: Date): Promise<number> {
  const { n } = await (await matchingOrders(db, match, now)).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(n);
}

/** The first `limit` matching orders by id, with what a candidate shows. */
export async function matchingCandidates(db: Kysely<DB>, match: CleanupMatch, now: Date, limit: number): Promise<CandidateRow[]> {
  return (await matchingOrders(db, match, now)).innerJoin('customers as c', 'c.id', 'o.customer_id').select(CANDIDATE_COLUMNS).orderBy('o.id').limit(limit).execute();
}

const daysSince = (iso: string, now: Date) => Math.floor((now.getTime() - Date.parse(iso)) / DAY_MS);

/** Each condition of the match the order meets, with the figure that met it. */
export function reasonsFor(row: CandidateRow, match: CleanupMatch, now: Date): MatchReason[] {
  const why: MatchReason[] = [{ code: 'status', status: row.status as OrderStatus }];
  if (match.olderThanDays !== undefined) why.push({ code: 'older_than', days: daysSince(row.created_at, now) });
  if (match.untouchedDays !== undefined) why.push({ code: 'untouched', days: daysSince(row.updated_at, now) });
  if (hasFilter(match)) why.push({ code: 'filter' });
  return why;
}

export function candidateView(row: CandidateRow, why: MatchReason[], outcome: string | null, changed = false): Candidate {
  return {
    id: String(row.id),
    number: row.number,
    status: row.status as OrderStatus,
    total: fromMinor(row.total),
    customer: { id: String(row.customer_id), name: row.customer_name },
    ownerId: String(row.owner_id),
    updatedAt: row.updated_at,
    version: row.version,
    why,
    changed,
    outcome: outcome as Candidate['outcome'],
  };
}

/** The named live orders with what a candidate shows (for a review opened from a list of ids). */
export async function candidatesByIds(db: Kysely<DB>, ids: number[]): Promise<CandidateRow[]> {
  const rows: CandidateRow[] = [];
  for (const chunk of idChunks(ids)) {
    rows.push(
      ...(await db
        .selectFrom('orders as o')
        .innerJoin('customers as c', 'c.id', 'o.customer_id')
        .select(CANDIDATE_COLUMNS)
        .where('o.id', 'in', chunk)
        .where('o.deleted_at', 'is', null)
        .execute()),
    );
  }
  return rows.sort((a, b) => a.id - b.id);
}

/** Current id, version and liveness of orders (deleted and purged ones included, as absent or deleted). */
export async function currentVersions(db: Kysely<DB>, ids: number[]): Promise<Map<number, { version: number; deleted: boolean }>> {
  const out = new Map<number, { version: number; deleted: boolean }>();
  for (const chunk of idChunks(ids)) {
    const rows = await db.selectFrom('orders').select(['id', 'version', 'deleted_at']).where('id', 'in', chunk).execute();
    for (const r of rows) out.set(r.id, { version: r.version, deleted: r.deleted_at !== null });
  }
  return out;
}

export type RuleRow = Selectable<DB['cleanup_rules']>;
export type ReviewRow = Selectable<DB['cleanup_reviews']>;

export function ruleView(row: RuleRow, timeZone: string, nextRunAt: Date | null): CleanupRuleView {
  return {
    id: String(row.id),
    name: row.name,
    match: JSON.parse(row.match) as CleanupMatch,
    schedule: row.schedule,
    enabled: row.enabled === 1,
    graceDays: row.grace_days,
    timeZone,
    nextRunAt: nextRunAt?.toISOString() ?? null,
    lastRunAt: row.last_run_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const idText = (id: number | null) => (id == null ? null : String(id));

export function reviewSummary(row: ReviewRow): ReviewSummary {
  return {
    id: String(row.id),
    ruleId: idText(row.rule_id),
    ruleName: row.rule_name,
    status: row.status as ReviewSummary['status'],
    trigger: row.trigger as ReviewSummary['trigger'],
    openedAt: row.opened_at,
    openedBy: idText(row.opened_by),
    executeAfter: row.execute_after,
    candidateCount: row.candidate_count,
    truncated: row.truncated === 1,
    decidedAt: row.decided_at,
    decidedBy: idText(row.decided_by),
    note: row.note,
    batchId: row.batch_id,
  };
}

/** A review's frozen candidates, each with the order's current version (null once deleted or purged). */
export async function reviewCandidates(db: Kysely<DB>, reviewId: number) {
  return db
    .selectFrom('cleanup_candidates as k')
    .leftJoin('orders as o', (join) => join.onRef('o.id', '=', 'k.order_id').on('o.deleted_at', 'is', null))
    .select(['k.order_id', 'k.number', 'k.version', 'k.status', 'k.total', 'k.customer_id', 'k.customer_name', 'k.owner_id', 'k.updated_at', 'k.why', 'k.outcome', 'o.version as current_version'])
    .where('k.review_id', '=', reviewId)
    .orderBy('k.order_id')
    .execute();
}
