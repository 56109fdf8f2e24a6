import type { Me } from '../../contracts/auth.js';
import { hasPermission } from './permissions.js';

/**
 * Who may open the report pages; the same rules the server applies to their routes (finance.routes.ts,
 * inventory.routes.ts, integrity.routes.ts), so the menu never offers a page that answers 403.
 */

/** Company-wide money: the finance team, or whoever reads every order (a rep limited to their own may not). */
export const canReadFinance = (me: Me | null | undefined): boolean => hasPermission(me, 'finance.manage') || me?.permissions['orders.read'] === 'all';

export const canReadStock = (me: Me | null | undefined): boolean => hasPermission(me, 'orders.read') || hasPermission(me, 'inventory.manage');

export const canReadIntegrity = (me: Me | null | undefined): boolean => hasPermission(me, 'settings.manage') || hasPermission(me, 'audit.read');
