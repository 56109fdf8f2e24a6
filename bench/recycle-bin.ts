import { sql } from 'kysely';
import type { Db } from '../src/server/db/connect.js';
import { deleteOrders, previewDeletion } from '../src/server/modules/deletion/deletion.service.js';
import { restoreOrders } from '../src/server/modules/recycle-bin/recycle-bin.service.js';
import { systemActor, type Actor } from '../src/server/platform/actor.js';

/**
 * The recycle bin the bin's scenarios read: BIN_ORDERS of the oldest drafts and cancelled orders deleted in batches of
 * 1,000 as a person deletes them, after the other scenarios and the single operations (run.ts), and restored once
 * the bin's scenarios have run. A bulk seed leaves the bin empty, and a bin of a percent of the book is what a few
 * weeks of deletions within the retention period leave.
 */
export const BIN_ORDERS = 10_000;
const BATCH = 1_000;

const actor: Actor = { ...systemActor('bench'), permissions: { ...systemActor('bench').permissions, 'orders.restore': 'all' } };

export async function fillRecycleBin(ctx: Db): Promise<string[]> {
  const ids = (
    await ctx.kysely.selectFrom('orders').select('id').where('status', 'in', ['draft', 'cancelled']).where('deleted_at', 'is', null).orderBy('id').limit(BIN_ORDERS).execute()
  ).map((r) => String(r.id));
  const batches: string[] = [];
  for (let i = 0; i < ids.length; i += BATCH) {
    const batch = ids.slice(i, i + BATCH);
    const preview = await previewDeletion(ctx, actor, { ids: batch });
    const deleted = await deleteOrders(ctx, actor, { ids: batch, reason: { code: 'test_data', note: 'bench: recycle bin scenarios' }, previewToken: preview.previewToken });
    batches.push(deleted.batchId);
  }
  // PostgreSQL's autovacuum analyzes `orders` once half a percent of it has changed (migration 0030) and vacuums it
  // later still; both happen in the background within minutes of such deletions. Done here at once, so the
  // scenarios measure that state rather than the minute before it (bench/README.md has both).
  if (ctx.dialect === 'postgres') await sql`vacuum analyze orders`.execute(ctx.kysely);
  return batches;
}

export async function emptyRecycleBin(ctx: Db, batches: string[]): Promise<void> {
  for (const batchId of batches) await restoreOrders(ctx, actor, { batchId });
}
