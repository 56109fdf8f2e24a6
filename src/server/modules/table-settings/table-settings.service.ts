import { defaultTableSettings, TABLE_COLUMNS, TableDensity, TableColumnSetting, type TableId, type TableSettings } from '../../../contracts/table-settings.js';
import type { Ctx } from '../../db/context.js';
import type { Actor } from '../../platform/actor.js';
import { nowIso } from '../../platform/clock.js';
import { AppError, invalid } from '../../platform/errors.js';
import { findTableSettings, saveTableSettings } from './table-settings.queries.js';

function userIdOf(actor: Actor): number {
  if (actor.userId == null) throw new AppError('forbidden', 'Table settings belong to users');
  return actor.userId;
}

function tableOf(table: string): TableId {
  if (!Object.hasOwn(TABLE_COLUMNS, table)) throw new AppError('not_found', `No list named ${table}`);
  return table as TableId;
}

/**
 * Stored settings as the list is today: a column the list no longer has is dropped, a column it gained since
 * shows at the end, and anything unreadable falls back to the list's own layout rather than break the page.
 */
function normalise(table: TableId, stored: { columns: unknown; density: string } | undefined): TableSettings {
  const fallback = defaultTableSettings(table);
  if (!stored) return fallback;
  const known: readonly string[] = TABLE_COLUMNS[table];
  const columns = (Array.isArray(stored.columns) ? stored.columns : [])
    .map((c) => TableColumnSetting.safeParse(c))
    .flatMap((r) => (r.success && known.includes(r.data.key) ? [r.data] : []));
  const named = new Set(columns.map((c) => c.key));
  for (const key of known) if (!named.has(key)) columns.push({ key, visible: true });
  const density = TableDensity.safeParse(stored.density);
  return { columns: columns.some((c) => c.visible) ? columns : fallback.columns, density: density.success ? density.data : fallback.density };
}

/** GET /api/me/table-settings/:table: the caller's layout of that list, or the list's own. */
export async function getTableSettings(ctx: Ctx, actor: Actor, table: string): Promise<TableSettings> {
  const id = tableOf(table);
  return normalise(id, await findTableSettings(ctx.kysely, userIdOf(actor), id));
}

/** PUT /api/me/table-settings/:table: replaces the caller's layout of that list (a preference, so not audited). */
export async function putTableSettings(ctx: Ctx, actor: Actor, table: string, input: TableSettings): Promise<TableSettings> {
  const id = tableOf(table);
  const userId = userIdOf(actor);
  const known: readonly string[] = TABLE_COLUMNS[id];
  input.columns.forEach((c, i) => {
    if (!known.includes(c.key)) throw invalid(`columns.${i}.key`, `the ${id} list has no column ${c.key} (it has ${known.join(', ')})`);
  });
  return ctx.kysely.transaction().execute(async (trx) => {
    await saveTableSettings(trx, { userId, tableId: id, columns: input.columns, density: input.density, at: nowIso() });
    return normalise(id, await findTableSettings(trx, userId, id));
  });
}
