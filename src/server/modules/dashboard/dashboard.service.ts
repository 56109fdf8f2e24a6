import { fromMinor } from '../../../contracts/common.js';
import { DASHBOARD_MONTHS, DELETION_MONTHS, type Dashboard } from '../../../contracts/dashboard.js';
import { DELETE_REASON_CODES } from '../../../contracts/deletion.js';
import { ORDER_STATUSES } from '../../../contracts/orders.js';
import type { Ctx } from '../../db/context.js';
import { ownerFilter, scopeOf, type Actor } from '../../platform/actor.js';
import { isoPlus } from '../../platform/clock.js';
import { countByStatus, deletionsSince, pendingRestoreRequests, recycleBinFigures, revenueSince } from './dashboard.queries.js';

/** `YYYY-MM` of this month and the n-1 before it, oldest first (UTC, like every stored time). */
export function lastMonths(n: number, now: Date): string[] {
  return Array.from({ length: n }, (_, i) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (n - 1 - i), 1)).toISOString().slice(0, 7));
}

/** GET /api/dashboard: every figure within the caller's record scope (orders.read). */
export async function dashboard(ctx: Ctx, actor: Actor, now = new Date()): Promise<Dashboard> {
  const owner = ownerFilter(actor, 'orders.read');
  const db = ctx.kysely;
  const months = lastMonths(DASHBOARD_MONTHS, now);
  const deletionMonths = months.slice(-DELETION_MONTHS);
  const generatedAt = now.toISOString();
  // Approvers count every pending request, requesters their own; others have none to see.
  const requests = scopeOf(actor, 'restore_requests.approve') ? 'all' : scopeOf(actor, 'restore_requests.create') ? 'own' : null;
  const [statuses, revenue, deletions, bin, openRequests] = await Promise.all([
    countByStatus(db, owner),
    revenueSince(db, months[0], owner),
    deletionsSince(db, deletionMonths[0], owner),
    recycleBinFigures(db, isoPlus(generatedAt, 7 * 86_400_000), owner),
    requests === null ? null : pendingRestoreRequests(db, requests === 'own' ? (actor.userId ?? -1) : undefined),
  ]);
  return {
    generatedAt,
    ordersByStatus: ORDER_STATUSES.map((status) => ({ status, count: Number(statuses.find((s) => s.status === status)?.n ?? 0) })),
    revenueByMonth: months.map((m) => {
      const rows = revenue.filter((r) => r.month === m && r.status !== 'cancelled');
      return { month: m, total: fromMinor(rows.reduce((sum, r) => sum + Number(r.total), 0)), orders: rows.reduce((sum, r) => sum + Number(r.n), 0) };
    }),
    deletionsByReason: deletionMonths.flatMap((m) =>
      DELETE_REASON_CODES.flatMap((reason) => {
        const n = Number(deletions.find((d) => d.month === m && d.delete_reason === reason)?.n ?? 0);
        return n > 0 ? [{ month: m, reason, count: n }] : [];
      }),
    ),
    recycleBin: { count: bin.count, purgingThisWeek: bin.purgingThisWeek, nextPurges: bin.nextPurges.map((o) => ({ id: String(o.id), number: o.number, purgeAfter: o.purge_after! })) },
    openRestoreRequests: openRequests,
  };
}
