import { z } from 'zod';
import { Id, Money } from './common.js';
import { DeleteReasonCode } from './deletion.js';
import { OrderStatus } from './orders.js';

/**
 * The home page's figures (GET /api/dashboard), each counted within the caller's record scope: a sales rep
 * sees their own orders only. Cleanup reviews and data-quality findings come from their own routes.
 */
export const Dashboard = z.object({
  generatedAt: z.string(),
  /** Live orders per status, every status listed (0 included). */
  ordersByStatus: z.array(z.object({ status: OrderStatus, count: z.number().int() })),
  /** Totals of orders confirmed in each of the last 12 calendar months (UTC), not cancelled since, not deleted. */
  revenueByMonth: z.array(z.object({ month: z.string(), total: Money, orders: z.number().int() })),
  /** Orders in the recycle bin by month deleted (last 6 months) and reason. */
  deletionsByReason: z.array(z.object({ month: z.string(), reason: DeleteReasonCode, count: z.number().int() })),
  recycleBin: z.object({
    count: z.number().int(),
    /** Purged automatically within the next 7 days. */
    purgingThisWeek: z.number().int(),
    nextPurges: z.array(z.object({ id: Id, number: z.string(), purgeAfter: z.string() })),
  }),
  /** Pending restore requests the caller may decide (approvers) or made (requesters); null for neither. */
  openRestoreRequests: z.number().int().nullable(),
});
export type Dashboard = z.infer<typeof Dashboard>;

export const DASHBOARD_MONTHS = 12;
export const DELETION_MONTHS = 6;
