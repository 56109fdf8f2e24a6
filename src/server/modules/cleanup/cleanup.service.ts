import type { Kysely, Transaction } from 'kysely';
import {
  MAX_REVIEW_CANDIDATES,
  type ApproveReviewInput,
  type ApproveReviewResult,
  type CleanupMatch,
  type CleanupPreview,
  type CleanupRuleView,
  type CreateCleanupRule,
  type MatchReason,
  type OpenReviewInput,
  type RejectReviewInput,
  type ReviewListQuery,
  type ReviewSummary,
  type ReviewView,
  type SkippedCandidate,
  type UpdateCleanupRule,
} from '../../../contracts/cleanup.js';
import type { OrderRef } from '../../../contracts/deletion.js';
import { idChunks } from '../../db/chunks.js';
import type { Ctx } from '../../db/context.js';
import type { Dialect } from '../../db/connect.js';
import type { DB } from '../../db/schema.js';
import { requirePermission, type Actor } from '../../platform/actor.js';
import { recordAudit } from '../../platform/audit.js';
import { isoPlus } from '../../platform/clock.js';
import { AppError, invalid, notFound } from '../../platform/errors.js';
import { publish } from '../../platform/outbox.js';
import { authorizeDeletion, deleteOrders } from '../deletion/deletion.service.js';
import { departmentsOfOrderChange } from '../notifications/notifications.routing.js';
import { getSetting } from '../settings/settings.service.js';
import {
  candidatesByIds,
  candidateView,
  countMatching,
  currentVersions,
  matchingCandidates,
  reasonsFor,
  reviewCandidates,
  reviewSummary,
  ruleView,
  type CandidateRow,
  type RuleRow,
} from './cleanup.queries.js';
import { latestDueOccurrence, nextOccurrence } from './cleanup.schedule.js';

/**
 * Periodic review and cleanup (SPEC §1.8, §5). A rule only ever opens a review: a frozen list of candidates
 * with why each matched. Nothing is deleted until a reviewer approves, and then through the deletion command
 * itself (preview token, blockers, reversals, audit, outbox), as one batch with reason `cleanup`.
 */

const DAY_MS = 86_400_000;
const PREVIEW_SAMPLES = 20;
/** Owners named in one announcement at most; each candidate's owner is also told by its own order.deleted. */
const ANNOUNCED_OWNERS = 500;

const now = () => new Date();
/** The schedule opens reviews and nothing else: it holds no permission. */
const schedulerActor: Actor = { type: 'system', userId: null, name: 'cleanup-schedule', permissions: {}, ip: null, userAgent: null, requestId: null };

async function ruleRow(db: Kysely<DB>, id: number): Promise<RuleRow> {
  const row = await db.selectFrom('cleanup_rules').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound(`Cleanup rule ${id}`);
  return row;
}

function viewOf(row: RuleRow, timeZone: string): CleanupRuleView {
  const from = new Date(Math.max(Date.parse(row.schedule_from), Date.parse(row.last_occurrence ?? row.schedule_from), Date.now()));
  return ruleView(row, timeZone, row.enabled === 1 ? nextOccurrence(row.schedule, timeZone, from) : null);
}

export async function listRules(ctx: Ctx, actor: Actor): Promise<{ items: CleanupRuleView[] }> {
  requirePermission(actor, 'cleanup.manage');
  const timeZone = await getSetting(ctx.kysely, 'companyTimeZone');
  const rows = await ctx.kysely.selectFrom('cleanup_rules').selectAll().orderBy('id').execute();
  return { items: rows.map((r) => viewOf(r, timeZone)) };
}

export async function getRule(ctx: Ctx, actor: Actor, id: number): Promise<CleanupRuleView> {
  requirePermission(actor, 'cleanup.manage');
  return viewOf(await ruleRow(ctx.kysely, id), await getSetting(ctx.kysely, 'companyTimeZone'));
}

export async function createRule(ctx: Ctx, actor: Actor, input: CreateCleanupRule): Promise<CleanupRuleView> {
  requirePermission(actor, 'cleanup.manage');
  return ctx.kysely.transaction().execute(async (trx) => {
    const at = now().toISOString();
    const { id } = await trx
      .insertInto('cleanup_rules')
      .values({
        name: input.name,
        match: JSON.stringify(input.match),
        schedule: input.schedule,
        enabled: input.enabled ? 1 : 0,
        grace_days: input.graceDays,
        schedule_from: at,
        created_by: actor.userId,
        created_at: at,
        updated_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(trx, ctx.dialect, actor, { action: 'cleanup_rule.create', entityType: 'cleanup_rule', entityId: id, entityLabel: input.name, diff: { ...input } });
    return viewOf(await ruleRow(trx, id), await getSetting(trx, 'companyTimeZone'));
  });
}

export async function updateRule(ctx: Ctx, actor: Actor, id: number, patch: UpdateCleanupRule): Promise<CleanupRuleView> {
  requirePermission(actor, 'cleanup.manage');
  return ctx.kysely.transaction().execute(async (trx) => {
    const before = await ruleRow(trx, id);
    const at = now().toISOString();
    await trx
      .updateTable('cleanup_rules')
      .set({
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.match !== undefined ? { match: JSON.stringify(patch.match) } : {}),
        ...(patch.enabled !== undefined ? { enabled: patch.enabled ? 1 : 0 } : {}),
        ...(patch.graceDays !== undefined ? { grace_days: patch.graceDays } : {}),
        // A new schedule (or switching back on) counts from now: it never fires for ticks it did not have.
        ...(patch.schedule !== undefined || (patch.enabled && before.enabled === 0) ? { schedule: patch.schedule ?? before.schedule, schedule_from: at } : {}),
        updated_at: at,
      })
      .where('id', '=', id)
      .execute();
    const diff: Record<string, { from: unknown; to: unknown }> = {};
    const old = { name: before.name, match: JSON.parse(before.match) as unknown, schedule: before.schedule, enabled: before.enabled === 1, graceDays: before.grace_days };
    for (const [key, value] of Object.entries(patch)) diff[key] = { from: old[key as keyof typeof old], to: value };
    await recordAudit(trx, ctx.dialect, actor, { action: 'cleanup_rule.update', entityType: 'cleanup_rule', entityId: id, entityLabel: patch.name ?? before.name, diff });
    return viewOf(await ruleRow(trx, id), await getSetting(trx, 'companyTimeZone'));
  });
}

/** Its reviews stay, decided or not, with the rule's name; they no longer point at it. */
export async function deleteRule(ctx: Ctx, actor: Actor, id: number): Promise<void> {
  requirePermission(actor, 'cleanup.manage');
  await ctx.kysely.transaction().execute(async (trx) => {
    const before = await ruleRow(trx, id);
    await trx.updateTable('cleanup_reviews').set({ rule_id: null }).where('rule_id', '=', id).execute();
    await trx.deleteFrom('cleanup_rules').where('id', '=', id).execute();
    await recordAudit(trx, ctx.dialect, actor, { action: 'cleanup_rule.delete', entityType: 'cleanup_rule', entityId: id, entityLabel: before.name, diff: { name: before.name, match: JSON.parse(before.match) as unknown, schedule: before.schedule } });
  });
}

/** What a match selects now: the count and the first orders, for the rule form. */
export async function previewMatch(ctx: Ctx, actor: Actor, match: CleanupMatch): Promise<CleanupPreview> {
  requirePermission(actor, 'cleanup.manage');
  const at = now();
  const [count, rows] = await Promise.all([countMatching(ctx.kysely, match, at), matchingCandidates(ctx.kysely, match, at, PREVIEW_SAMPLES)]);
  return { count, truncated: count > MAX_REVIEW_CANDIDATES, samples: rows.map((r) => candidateView(r, reasonsFor(r, match, at), null)) };
}

interface OpenArgs {
  rule: RuleRow | null;
  trigger: ReviewSummary['trigger'];
  rows: CandidateRow[];
  why: (row: CandidateRow) => MatchReason[];
  truncated: boolean;
  graceDays: number;
  at: Date;
}

/**
 * Freezes the candidates into a review, audits it and announces it to the reviewers, the candidates' owners
 * and the departments a deletion would touch, all in the caller's transaction.
 */
async function openReview(trx: Transaction<DB>, dialect: Dialect, actor: Actor, args: OpenArgs): Promise<number> {
  const openedAt = args.at.toISOString();
  const executeAfter = isoPlus(openedAt, args.graceDays * DAY_MS);
  const { id } = await trx
    .insertInto('cleanup_reviews')
    .values({
      rule_id: args.rule?.id ?? null,
      rule_name: args.rule?.name ?? null,
      status: 'open',
      trigger: args.trigger,
      opened_at: openedAt,
      opened_by: actor.userId,
      execute_after: executeAfter,
      candidate_count: args.rows.length,
      truncated: args.truncated ? 1 : 0,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const values = args.rows.map((r) => ({
    review_id: id,
    order_id: r.id,
    number: r.number,
    version: r.version,
    status: r.status,
    total: r.total,
    customer_id: r.customer_id,
    customer_name: r.customer_name,
    owner_id: r.owner_id,
    updated_at: r.updated_at,
    why: JSON.stringify(args.why(r)),
  }));
  for (let i = 0; i < values.length; i += 500) await trx.insertInto('cleanup_candidates').values(values.slice(i, i + 500)).execute();
  const label = args.rule?.name ?? `review ${id}`;
  await recordAudit(trx, dialect, actor, {
    action: 'cleanup_review.open',
    entityType: 'cleanup_review',
    entityId: id,
    entityLabel: label,
    diff: { ruleId: args.rule ? String(args.rule.id) : null, trigger: args.trigger, candidates: args.rows.length, truncated: args.truncated, executeAfter },
  });
  const confirmed = args.rows.some((r) => r.status === 'confirmed');
  await publish(trx, [
    {
      topic: 'cleanup.review_opened',
      payload: {
        reviewId: String(id),
        ruleId: args.rule ? String(args.rule.id) : null,
        ruleName: args.rule?.name ?? null,
        count: args.rows.length,
        numbers: args.rows.slice(0, 5).map((r) => r.number),
        executeAfter,
        ownerIds: [...new Set(args.rows.map((r) => String(r.owner_id)))].slice(0, ANNOUNCED_OWNERS),
        departments: args.rows.length > 0 ? departmentsOfOrderChange({ stockMoves: confirmed, moneyMoves: confirmed }) : [],
        openedBy: actor.userId == null ? null : String(actor.userId),
      },
    },
  ]);
  return id;
}

async function candidatesOfRule(db: Kysely<DB>, rule: RuleRow, at: Date) {
  const match = JSON.parse(rule.match) as CleanupMatch;
  const rows = await matchingCandidates(db, match, at, MAX_REVIEW_CANDIDATES + 1);
  return { match, rows: rows.slice(0, MAX_REVIEW_CANDIDATES), truncated: rows.length > MAX_REVIEW_CANDIDATES };
}

/** POST /api/cleanup/rules/:id/run: "Run now" opens a review whatever the schedule says. */
export async function runRule(ctx: Ctx, actor: Actor, id: number): Promise<ReviewView> {
  requirePermission(actor, 'cleanup.manage');
  const reviewId = await ctx.kysely.transaction().execute(async (trx) => {
    const rule = await ruleRow(trx, id);
    const at = now();
    const { match, rows, truncated } = await candidatesOfRule(trx, rule, at);
    const opened = await openReview(trx, ctx.dialect, actor, { rule, trigger: 'manual', rows, why: (r) => reasonsFor(r, match, at), truncated, graceDays: rule.grace_days, at });
    await trx.updateTable('cleanup_rules').set({ last_run_at: at.toISOString() }).where('id', '=', id).execute();
    return opened;
  });
  return reviewById(ctx.kysely, reviewId);
}

/** POST /api/cleanup/reviews: a review of orders named by id (a data-quality finding's "start a cleanup review"). */
export async function openReviewOfOrders(ctx: Ctx, actor: Actor, input: OpenReviewInput): Promise<ReviewView> {
  requirePermission(actor, 'cleanup.review');
  const reviewId = await ctx.kysely.transaction().execute(async (trx) => {
    const rows = await candidatesByIds(trx, input.ids.map(Number));
    const found = new Set(rows.map((r) => String(r.id)));
    const missing = input.ids.filter((id) => !found.has(id));
    if (missing.length > 0) throw invalid('ids', `no such live order: ${missing.slice(0, 20).join(', ')}`);
    const why: MatchReason[] = input.check ? [{ code: 'data_quality', check: input.check }] : [];
    return openReview(trx, ctx.dialect, actor, { rule: null, trigger: 'data_quality', rows, why: (r) => [{ code: 'status', status: r.status as MatchReason['status'] }, ...why], truncated: false, graceDays: 0, at: now() });
  });
  return reviewById(ctx.kysely, reviewId);
}

/**
 * One tick of the schedule for every enabled rule: a rule whose cron fired since its last occurrence opens a
 * review (when anything matches). The occurrence is claimed with a compare-and-set in the review's own
 * transaction, so two instances running the tick at once (or one retrying after a lost lease) open it once.
 */
export async function runScheduledRules(ctx: Ctx, at: Date): Promise<{ opened: number }> {
  const timeZone = await getSetting(ctx.kysely, 'companyTimeZone');
  const rules = await ctx.kysely.selectFrom('cleanup_rules').selectAll().where('enabled', '=', 1).orderBy('id').execute();
  let opened = 0;
  for (const rule of rules) {
    const after = new Date(Math.max(Date.parse(rule.schedule_from), rule.last_occurrence ? Date.parse(rule.last_occurrence) : 0));
    const due = latestDueOccurrence(rule.schedule, timeZone, after, at);
    if (!due) continue;
    const occurrence = due.toISOString();
    const didOpen = await ctx.kysely.transaction().execute(async (trx) => {
      const claimed = await trx
        .updateTable('cleanup_rules')
        .set({ last_occurrence: occurrence, last_run_at: at.toISOString() })
        .where('id', '=', rule.id)
        .where('enabled', '=', 1)
        .where((eb) => eb.or([eb('last_occurrence', 'is', null), eb('last_occurrence', '<', occurrence)]))
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) return false;
      const { match, rows, truncated } = await candidatesOfRule(trx, rule, at);
      // Nothing to review: the tick is spent, no empty review is announced.
      if (rows.length === 0) return false;
      await openReview(trx, ctx.dialect, schedulerActor, { rule, trigger: 'schedule', rows, why: (r) => reasonsFor(r, match, at), truncated, graceDays: rule.grace_days, at });
      return true;
    });
    if (didOpen) opened++;
  }
  return { opened };
}

async function reviewRow(db: Kysely<DB>, id: number) {
  const row = await db.selectFrom('cleanup_reviews').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound(`Cleanup review ${id}`);
  return row;
}

async function reviewById(db: Kysely<DB>, id: number): Promise<ReviewView> {
  const row = await reviewRow(db, id);
  const candidates = await reviewCandidates(db, id);
  const open = row.status === 'open';
  return {
    ...reviewSummary(row),
    candidates: candidates.map((k) =>
      candidateView(
        { id: k.order_id, number: k.number, status: k.status, total: k.total, customer_id: k.customer_id, customer_name: k.customer_name, owner_id: k.owner_id, created_at: '', updated_at: k.updated_at, version: k.version },
        JSON.parse(k.why) as MatchReason[],
        k.outcome,
        open && k.current_version !== k.version,
      ),
    ),
  };
}

export async function getReview(ctx: Ctx, actor: Actor, id: number): Promise<ReviewView> {
  requirePermission(actor, 'cleanup.review');
  return reviewById(ctx.kysely, id);
}

/** Open reviews first (the soonest cleanup date first), then decided ones, newest first. */
export async function listReviews(ctx: Ctx, actor: Actor, query: ReviewListQuery): Promise<{ items: ReviewSummary[] }> {
  requirePermission(actor, 'cleanup.review');
  const statuses = query.status ? [query.status] : (['open', 'approved', 'rejected'] as const);
  const items: ReviewSummary[] = [];
  if (statuses.includes('open')) {
    const open = await ctx.kysely.selectFrom('cleanup_reviews').selectAll().where('status', '=', 'open').orderBy('execute_after').orderBy('id').limit(query.limit).execute();
    items.push(...open.map(reviewSummary));
  }
  const decided = statuses.filter((s) => s !== 'open');
  if (decided.length > 0 && items.length < query.limit) {
    const rows = await ctx.kysely.selectFrom('cleanup_reviews').selectAll().where('status', 'in', decided).orderBy('id', 'desc').limit(query.limit - items.length).execute();
    items.push(...rows.map(reviewSummary));
  }
  return { items };
}

function assertOpen(row: { id: number; status: string }): void {
  if (row.status !== 'open') {
    throw new AppError('conflict', `Cleanup review ${row.id} was already ${row.status}; a decision cannot be changed`, { code: 'already_decided', decision: row.status });
  }
}

/** Marks the review decided if it still is open; false when another decision got there first. */
async function decide(trx: Transaction<DB>, id: number, actor: Actor, status: 'approved' | 'rejected', extra: { note?: string; batchId?: string | null }): Promise<void> {
  const done = await trx
    .updateTable('cleanup_reviews')
    .set({ status, decided_at: now().toISOString(), decided_by: actor.userId, note: extra.note ?? null, batch_id: extra.batchId ?? null })
    .where('id', '=', id)
    .where('status', '=', 'open')
    .executeTakeFirst();
  if (Number(done.numUpdatedRows) !== 1) assertOpen(await reviewRow(trx, id));
}

async function markOutcome(trx: Transaction<DB>, reviewId: number, ids: number[], outcome: string): Promise<void> {
  for (const chunk of idChunks(ids)) {
    await trx.updateTable('cleanup_candidates').set({ outcome }).where('review_id', '=', reviewId).where('order_id', 'in', chunk).execute();
  }
}

/**
 * POST /api/cleanup/reviews/:id/approve. The candidates not excluded are compared with the versions the review
 * froze: an order edited, deleted or purged since is left out and reported, as is one the deletion's preview
 * blocks (a payment since, a legal hold). The rest go through the deletion command with reason `cleanup`, and
 * the review's decision commits in the deletion's own transaction, so a review is approved exactly when its
 * batch exists.
 */
export async function approveReview(ctx: Ctx, actor: Actor, id: number, input: ApproveReviewInput): Promise<ApproveReviewResult> {
  requirePermission(actor, 'cleanup.review');
  const review = await reviewRow(ctx.kysely, id);
  assertOpen(review);
  const candidates = await reviewCandidates(ctx.kysely, id);
  const byId = new Map(candidates.map((k) => [String(k.order_id), k]));
  const strangers = input.exclude.filter((x) => !byId.has(x));
  if (strangers.length > 0) throw invalid('exclude', `not a candidate of this review: ${strangers.slice(0, 20).join(', ')}`);
  const excludedIds = new Set(input.exclude);
  const ref = (k: (typeof candidates)[number]): OrderRef => ({ id: String(k.order_id), number: k.number });

  const wanted = candidates.filter((k) => !excludedIds.has(String(k.order_id)));
  const current = await currentVersions(ctx.kysely, wanted.map((k) => k.order_id));
  const skipped: SkippedCandidate[] = [];
  let unchanged: typeof wanted = [];
  for (const k of wanted) {
    const live = current.get(k.order_id);
    if (!live) skipped.push({ ...ref(k), reason: 'changed', detail: 'purged since the review opened' });
    else if (live.deleted) skipped.push({ ...ref(k), reason: 'changed', detail: 'deleted since the review opened' });
    else if (live.version !== k.version) skipped.push({ ...ref(k), reason: 'changed', detail: `edited since the review opened (version ${k.version} → ${live.version})` });
    else unchanged.push(k);
  }

  let previewToken: string | undefined;
  if (unchanged.length > 0) {
    let auth = await authorizeDeletion(ctx, actor, { ids: unchanged.map((k) => String(k.order_id)) });
    if (auth.blocked.size > 0) {
      for (const k of unchanged) {
        const blockers = auth.blocked.get(String(k.order_id));
        if (blockers) skipped.push({ ...ref(k), reason: 'blocked', detail: blockers.map((x) => x.message).join('; ') });
      }
      unchanged = unchanged.filter((k) => !auth.blocked.has(String(k.order_id)));
      if (unchanged.length > 0) auth = await authorizeDeletion(ctx, actor, { ids: unchanged.map((k) => String(k.order_id)) });
    }
    previewToken = auth.previewToken;
  }

  const excluded = candidates.filter((k) => excludedIds.has(String(k.order_id))).map(ref);
  const record = async (trx: Transaction<DB>, batchId: string | null, deleted: OrderRef[]) => {
    await decide(trx, id, actor, 'approved', { batchId });
    await markOutcome(trx, id, excluded.map((d) => Number(d.id)), 'excluded');
    for (const reason of ['changed', 'blocked'] as const) {
      await markOutcome(trx, id, skipped.filter((s) => s.reason === reason).map((s) => Number(s.id)), reason);
    }
    // Every candidate not excluded or skipped is in the batch: one statement instead of 10,000 ids.
    if (deleted.length > 0) await trx.updateTable('cleanup_candidates').set({ outcome: 'deleted' }).where('review_id', '=', id).where('outcome', 'is', null).execute();
    const label = review.rule_name ?? `review ${id}`;
    await recordAudit(trx, ctx.dialect, actor, {
      action: 'cleanup_review.approve',
      entityType: 'cleanup_review',
      entityId: id,
      entityLabel: label,
      diff: { batchId, deleted: deleted.length, excluded: excluded.map((e) => e.number), skipped: skipped.map((s) => ({ number: s.number, reason: s.reason })) },
      reason: 'cleanup',
    });
    await publish(trx, [
      {
        topic: 'cleanup.executed',
        payload: {
          reviewId: String(id),
          ruleId: review.rule_id == null ? null : String(review.rule_id),
          ruleName: review.rule_name,
          batchId,
          count: deleted.length,
          numbers: deleted.slice(0, 5).map((d) => d.number),
          excluded: excluded.length,
          skipped: skipped.length,
          approvedBy: actor.userId == null ? null : String(actor.userId),
          reviewerId: actor.userId == null ? null : String(actor.userId),
        },
      },
    ]);
  };

  if (unchanged.length === 0 || !previewToken) {
    await ctx.kysely.transaction().execute((trx) => record(trx, null, []));
    return { batchId: null, deleted: [], excluded, skipped };
  }
  const result = await deleteOrders(
    ctx,
    actor,
    { ids: unchanged.map((k) => String(k.order_id)), reason: { code: 'cleanup', note: `cleanup review ${id}${review.rule_name ? ` (${review.rule_name})` : ''}`.slice(0, 500) }, previewToken },
    undefined,
    { alsoInTransaction: (trx, deletion) => record(trx, deletion.batchId, deletion.deleted) },
  );
  return { batchId: result.batchId, deleted: result.deleted, excluded, skipped };
}

export async function rejectReview(ctx: Ctx, actor: Actor, id: number, input: RejectReviewInput): Promise<ReviewView> {
  requirePermission(actor, 'cleanup.review');
  await ctx.kysely.transaction().execute(async (trx) => {
    const review = await reviewRow(trx, id);
    assertOpen(review);
    await decide(trx, id, actor, 'rejected', { note: input.note });
    await recordAudit(trx, ctx.dialect, actor, { action: 'cleanup_review.reject', entityType: 'cleanup_review', entityId: id, entityLabel: review.rule_name ?? `review ${id}`, diff: { candidates: review.candidate_count }, reason: input.note });
  });
  return reviewById(ctx.kysely, id);
}
