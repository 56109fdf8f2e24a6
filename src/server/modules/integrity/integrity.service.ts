import type { IntegrityReport } from '../../../contracts/integrity.js';
import type { Ctx } from '../../db/context.js';
import { scopeOf, type Actor } from '../../platform/actor.js';
import { nowIso } from '../../platform/clock.js';
import { AppError } from '../../platform/errors.js';
import { checkInvariants } from './invariants.js';

/** The journal check is an operator's and an auditor's tool: it names orders and amounts company-wide. */
export async function integrityReport(ctx: Ctx, actor: Actor): Promise<IntegrityReport> {
  if (!scopeOf(actor, 'settings.manage') && !scopeOf(actor, 'audit.read')) {
    throw new AppError('forbidden', 'Missing permission settings.manage or audit.read', { permission: 'audit.read' });
  }
  const checkedAt = nowIso();
  const violations = await checkInvariants(ctx.kysely);
  return { ok: violations.length === 0, checkedAt, violations };
}
