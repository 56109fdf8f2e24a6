import { CustomerBalanceList, CustomerBalanceQuery, FinanceSummary, LedgerList, LedgerQuery, Revenue, RevenueQuery } from '../../../contracts/finance.js';
import type { Ctx } from '../../db/context.js';
import type { Access } from '../../platform/access.js';
import type { App } from '../../platform/http.js';
import { readerFor } from '../../platform/read-routing.js';
import { customerBalances, financeSummary, listLedger, revenueByMonth } from './finance.service.js';

/** Company-wide money figures: the finance team, or whoever may read every order (a rep with "own" scope may not). */
const FINANCE_READER = { anyOf: ['finance.manage', 'orders.read:all'] } satisfies Access;

export function financeRoutes(app: App, ctx: Ctx): void {
  app.get('/api/finance/ledger', { config: { access: 'orders.read' }, schema: { tags: ['finance'], querystring: LedgerQuery, response: { 200: LedgerList } } }, async (request) => {
    const { orderId, customerId, limit } = request.query;
    return { items: await listLedger(ctx, request.actor, { orderId: orderId ? Number(orderId) : undefined, customerId: customerId ? Number(customerId) : undefined, limit }) };
  });
  app.get('/api/finance/summary', { config: { access: FINANCE_READER }, schema: { tags: ['finance'], response: { 200: FinanceSummary } } }, async (request) =>
    financeSummary(readerFor(ctx, request), request.actor),
  );
  app.get('/api/finance/customers', { config: { access: FINANCE_READER }, schema: { tags: ['finance'], querystring: CustomerBalanceQuery, response: { 200: CustomerBalanceList } } }, async (request) =>
    customerBalances(readerFor(ctx, request), request.actor, request.query),
  );
  app.get('/api/finance/revenue', { config: { access: FINANCE_READER }, schema: { tags: ['finance'], querystring: RevenueQuery, response: { 200: Revenue } } }, async (request) =>
    revenueByMonth(readerFor(ctx, request), request.actor, request.query.months),
  );
}
