import { z } from 'zod';

/** SPEC §5 "Data quality": checks that find what is wrong before anyone has to delete anything. */

export const DATA_QUALITY_CHECKS = [
  'journal_invariants',
  'stale_drafts',
  'duplicate_orders',
  'unpaid_overdue',
  'customers_missing_fields',
  'total_mismatch',
  'disabled_owner',
] as const;
export const DataQualityCheckCode = z.enum(DATA_QUALITY_CHECKS);
export type DataQualityCheckCode = z.infer<typeof DataQualityCheckCode>;

/** Drafts untouched this long are stale. */
export const STALE_DRAFT_DAYS = 30;
/** Samples kept per check and run. */
export const DATA_QUALITY_SAMPLES = 5;
/** Runs a trend shows. */
export const DATA_QUALITY_TREND_RUNS = 14;

export const DataQualitySample = z.object({
  entityType: z.enum(['order', 'customer', 'product', 'stock_movement', 'ledger_entry']),
  id: z.string(),
  label: z.string().nullable(),
  /** The other order of a likely duplicate pair. */
  related: z.object({ id: z.string(), label: z.string() }).optional(),
  /** The owner, for "reassign owner". */
  ownerId: z.string().optional(),
  detail: z.string(),
});
export type DataQualitySample = z.infer<typeof DataQualitySample>;

export const DataQualityCheck = z.object({
  code: DataQualityCheckCode,
  count: z.number(),
  samples: z.array(DataQualitySample),
  /** Counts of the previous runs, oldest first, ending with this one. */
  trend: z.array(z.object({ checkedAt: z.string(), count: z.number() })),
});
export type DataQualityCheck = z.infer<typeof DataQualityCheck>;

export const DataQualityReport = z.object({
  runId: z.string().nullable(),
  checkedAt: z.string().nullable(),
  trigger: z.enum(['schedule', 'manual']).nullable(),
  checks: z.array(DataQualityCheck),
});
export type DataQualityReport = z.infer<typeof DataQualityReport>;
