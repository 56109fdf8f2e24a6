import type { Ctx } from '../../db/context.js';
import { verifyAudit } from './audit.service.js';

interface Output {
  write(text: string): unknown;
}

/**
 * `orderly audit verify`: re-computes the audit hash chain and names the first broken entry.
 * Exit code 0 when the chain is intact, 1 when it is not, so a cron job or CI step can alert on it.
 */
export async function auditVerifyCommand(ctx: Ctx, out: Output = process.stdout, err: Output = process.stderr): Promise<number> {
  const result = await verifyAudit(ctx);
  if (result.ok) {
    out.write(`Audit log intact: ${result.checked} entries verified.\n`);
    // The head is worth noting elsewhere: a later log without it has lost its tail.
    if (result.lastId) out.write(`Head: entry ${result.lastId}, hash ${result.lastHash}\n`);
    return 0;
  }
  err.write(`Audit log BROKEN at entry ${result.firstBrokenId}: its content or its link to the previous entry does not match.\n`);
  err.write(`${result.checked} entries before it verified${result.lastId ? `; last intact entry ${result.lastId}, hash ${result.lastHash}` : ''}.\n`);
  return 1;
}
