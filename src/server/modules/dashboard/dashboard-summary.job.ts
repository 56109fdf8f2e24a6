import { compactDashboardSummary } from '../../db/dashboard-summary.js';
import type { JobDefinition } from '../../platform/jobs.js';

/**
 * Folds the deltas the order triggers appended into the dashboard summary (migration 0020), so a dashboard read
 * adds a few hundred folded rows and the last half minute's deltas rather than every change since the start.
 */
export function dashboardSummaryJob(): JobDefinition {
  return {
    name: 'dashboard-summary',
    intervalMs: 30_000,
    leaseMs: 10 * 60_000,
    run: (ctx) => compactDashboardSummary(ctx),
  };
}
