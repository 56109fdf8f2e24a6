import { Cron } from 'croner';
import { z } from 'zod';
import { emptyToUndefined, Id, optionalText } from './common.js';
import { DeletionFilter, OrderRef } from './deletion.js';
import { OrderStatus } from './orders.js';

/** SPEC §1.8 and §5 "Cleanup": rules that find stale orders, and the reviews a person approves or rejects. */

/** The most candidates one review holds: the largest batch one deletion takes (MAX_DELETE_BY_FILTER). */
export const MAX_REVIEW_CANDIDATES = 10_000;
/** Days between opening a review and the date its announcement names, unless the rule says otherwise. */
export const DEFAULT_GRACE_DAYS = 3;

/** Only what a deletion may take: shipped and completed orders are never deletable (SPEC §3). */
export const CLEANUP_STATUSES = ['draft', 'cancelled', 'confirmed'] as const;

const isCron = (expression: string) => {
  try {
    new Cron(expression, { paused: true });
    return true;
  } catch {
    return false;
  }
};

export const CronExpression = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .refine(isCron, 'must be a cron expression such as "0 9 * * 1" (minute hour day-of-month month day-of-week)');

const DayCount = z.number().int('must be a whole number of days').min(0, 'must not be negative').max(36_500);

export const CleanupMatch = z.object({
  status: z.array(z.enum(CLEANUP_STATUSES)).min(1, 'choose at least one status').transform((s) => [...new Set(s)]),
  /** Created more than this many days ago. */
  olderThanDays: DayCount.optional(),
  /** Not changed for this many days. */
  untouchedDays: DayCount.optional(),
  /** Any order-list filter of SPEC §4 (customerId, ownerId, minTotal, …). */
  filter: DeletionFilter.optional(),
});
export type CleanupMatch = z.infer<typeof CleanupMatch>;

export const CreateCleanupRule = z.object({
  name: z.string().trim().min(1, 'give the rule a name').max(200),
  match: CleanupMatch,
  schedule: CronExpression,
  enabled: z.boolean().default(true),
  /** Days the announcement gives owners before the cleanup date (`executeAfter`). */
  graceDays: z.number().int().min(0).max(90).default(DEFAULT_GRACE_DAYS),
});
export type CreateCleanupRule = z.infer<typeof CreateCleanupRule>;

export const UpdateCleanupRule = z
  .object({
    name: z.string().trim().min(1, 'give the rule a name').max(200),
    match: CleanupMatch,
    schedule: CronExpression,
    enabled: z.boolean(),
    graceDays: z.number().int().min(0).max(90),
  })
  .partial()
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, 'name at least one field');
export type UpdateCleanupRule = z.infer<typeof UpdateCleanupRule>;

const text = z.string().optional();
/** A stored match as the API returns it (the input schema's normalising transforms cannot serialise). */
export const CleanupMatchView = z.object({
  status: z.array(z.enum(CLEANUP_STATUSES)),
  olderThanDays: z.number().optional(),
  untouchedDays: z.number().optional(),
  filter: z
    .object({ q: text, number: text, customer: text, customerId: text, status: z.array(OrderStatus).optional(), ownerId: text, from: text, to: text, minTotal: text, maxTotal: text })
    .optional(),
});

export const CleanupRuleView = z.object({
  id: z.string(),
  name: z.string(),
  match: CleanupMatchView,
  schedule: z.string(),
  enabled: z.boolean(),
  graceDays: z.number(),
  /** The company time zone the schedule is read in. */
  timeZone: z.string(),
  nextRunAt: z.string().nullable(),
  lastRunAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type CleanupRuleView = z.infer<typeof CleanupRuleView>;
export const CleanupRuleList = z.object({ items: z.array(CleanupRuleView) });

/** Why a candidate matched: each condition of the rule it meets, with the figure that met it. */
export const MatchReason = z.object({
  code: z.enum(['status', 'older_than', 'untouched', 'filter', 'data_quality']),
  status: OrderStatus.optional(),
  /** For older_than / untouched: how many days it is. */
  days: z.number().optional(),
  /** For data_quality: the check that found it. */
  check: z.string().optional(),
});
export type MatchReason = z.infer<typeof MatchReason>;

export const CANDIDATE_OUTCOMES = ['deleted', 'excluded', 'changed', 'blocked'] as const;
export const Candidate = z.object({
  id: z.string(),
  number: z.string(),
  status: OrderStatus,
  total: z.string(),
  customer: z.object({ id: z.string(), name: z.string() }),
  ownerId: z.string(),
  updatedAt: z.string(),
  version: z.number(),
  why: z.array(MatchReason),
  /** The order was edited, deleted or purged since the review froze it: approval leaves it out. */
  changed: z.boolean(),
  /** After the decision: what became of it. */
  outcome: z.enum(CANDIDATE_OUTCOMES).nullable(),
});
export type Candidate = z.infer<typeof Candidate>;

export const PreviewCleanupInput = z.object({ match: CleanupMatch });
export const CleanupPreview = z.object({
  count: z.number(),
  /** True when more orders match than one review may hold. */
  truncated: z.boolean(),
  samples: z.array(Candidate),
});
export type CleanupPreview = z.infer<typeof CleanupPreview>;

export const REVIEW_STATUSES = ['open', 'approved', 'rejected'] as const;
export const ReviewStatus = z.enum(REVIEW_STATUSES);
export type ReviewStatus = z.infer<typeof ReviewStatus>;

const ReviewBase = z.object({
  id: z.string(),
  ruleId: z.string().nullable(),
  ruleName: z.string().nullable(),
  status: ReviewStatus,
  trigger: z.enum(['schedule', 'manual', 'data_quality']),
  openedAt: z.string(),
  openedBy: z.string().nullable(),
  /** The announced cleanup date: owners have until then to ask for an exclusion. */
  executeAfter: z.string(),
  candidateCount: z.number(),
  truncated: z.boolean(),
  decidedAt: z.string().nullable(),
  decidedBy: z.string().nullable(),
  note: z.string().nullable(),
  batchId: z.string().nullable(),
});
export const ReviewSummary = ReviewBase;
export type ReviewSummary = z.infer<typeof ReviewSummary>;
export const ReviewView = ReviewBase.extend({ candidates: z.array(Candidate) });
export type ReviewView = z.infer<typeof ReviewView>;

export const ReviewListQuery = z.object({
  status: z.preprocess(emptyToUndefined, ReviewStatus.optional()),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type ReviewListQuery = z.infer<typeof ReviewListQuery>;
export const ReviewList = z.object({ items: z.array(ReviewSummary) });

export const ApproveReviewInput = z.object({ exclude: z.array(Id).max(MAX_REVIEW_CANDIDATES).default([]) });
export type ApproveReviewInput = z.infer<typeof ApproveReviewInput>;

export const SkippedCandidate = OrderRef.extend({
  /** changed: edited, deleted or gone since the review opened; blocked: the deletion would refuse it. */
  reason: z.enum(['changed', 'blocked']),
  detail: z.string(),
});
export type SkippedCandidate = z.infer<typeof SkippedCandidate>;

export const ApproveReviewResult = z.object({
  /** The deletion batch (restorable as one from the recycle bin); null when nothing was left to delete. */
  batchId: z.string().nullable(),
  deleted: z.array(OrderRef),
  excluded: z.array(OrderRef),
  /** Candidates left out and not deleted. */
  skipped: z.array(SkippedCandidate),
});
export type ApproveReviewResult = z.infer<typeof ApproveReviewResult>;

export const RejectReviewInput = z.object({ note: z.string().trim().min(1, 'say why the review is rejected').max(1000) });
export type RejectReviewInput = z.infer<typeof RejectReviewInput>;

/** A review of orders a person (or a data-quality finding) names, instead of a rule. */
export const OpenReviewInput = z.object({
  ids: z.array(Id).min(1).max(MAX_REVIEW_CANDIDATES).transform((ids) => [...new Set(ids)]),
  check: optionalText(64),
});
export type OpenReviewInput = z.infer<typeof OpenReviewInput>;
