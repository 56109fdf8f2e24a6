import { z } from 'zod';
import { NonNegativeMoney } from './common.js';
import { DEFAULT_RETENTION_DAYS } from './deletion.js';

/**
 * SPEC §5 "Settings": every company-wide policy in one document, validated by this one schema. Each capability adds
 * its policy here (with a default), so `GET /api/settings` is always complete and `PATCH` checks every field the same way.
 */

const RetentionDays = z.number().int('must be a whole number of days').min(1, 'at least 1 day').max(3650, 'at most 3650 days');

/** Days a deleted order stays in the recycle bin, by the status it had when it was deleted. */
export const RetentionByStatus = z.object({ draft: RetentionDays, cancelled: RetentionDays, confirmed: RetentionDays });
export type RetentionByStatus = z.infer<typeof RetentionByStatus>;

/** Customer fields an order's customer must have (settings `requiredCustomerFields`). */
export const CUSTOMER_REQUIRED_FIELDS = ['phone', 'email'] as const;

export const isTimeZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

export const Settings = z.object({
  retention: RetentionByStatus,
  /** With two or more admins, purge needs a second admin's approval unless turned off. */
  purgeNeedsSecondAdmin: z.boolean(),
  /** Orders whose total is at or above this need `orders.approve` to confirm; null = off. */
  approvalThreshold: NonNegativeMoney.nullable(),
  requiredCustomerFields: z.array(z.enum(CUSTOMER_REQUIRED_FIELDS)).max(CUSTOMER_REQUIRED_FIELDS.length).refine((fields) => new Set(fields).size === fields.length, 'must not repeat a field'),
  /** Delete-preview and delete need the `safe-deletion` course passed. */
  deletionRequiresTraining: z.boolean(),
  /** The company's time zone (IANA name): exports, schedules, "today". */
  companyTimeZone: z.string().min(1).max(64).refine(isTimeZone, 'must be a time zone such as Asia/Shanghai'),
  /** Days after confirmation an order is due to be paid; the data-quality audit reports unpaid orders past it. */
  paymentTermsDays: z.number().int('must be a whole number of days').min(0).max(3650),
});
export type Settings = z.infer<typeof Settings>;

/** A PATCH names only what changes; `retention` may name only some statuses. */
export const SettingsPatch = Settings.extend({ retention: RetentionByStatus.partial() })
  .partial()
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, 'name at least one setting');
export type SettingsPatch = z.infer<typeof SettingsPatch>;

/** What a fresh installation starts with; `purgeNeedsSecondAdmin` defaults by the number of admins instead. */
export const SETTINGS_DEFAULTS: Omit<Settings, 'purgeNeedsSecondAdmin'> = {
  retention: { draft: DEFAULT_RETENTION_DAYS, cancelled: DEFAULT_RETENTION_DAYS, confirmed: DEFAULT_RETENTION_DAYS },
  approvalThreshold: null,
  requiredCustomerFields: [],
  deletionRequiresTraining: false,
  companyTimeZone: 'Asia/Shanghai',
  paymentTermsDays: 30,
};
