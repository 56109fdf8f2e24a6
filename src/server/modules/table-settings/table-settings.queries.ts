import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';

export interface StoredTableSettings {
  columns: unknown;
  density: string;
}

export async function findTableSettings(db: Kysely<DB>, userId: number, tableId: string): Promise<StoredTableSettings | undefined> {
  const row = await db.selectFrom('user_table_settings').select(['columns', 'density']).where('user_id', '=', userId).where('table_id', '=', tableId).executeTakeFirst();
  return row && { columns: JSON.parse(row.columns) as unknown, density: row.density };
}

export async function saveTableSettings(db: Kysely<DB>, row: { userId: number; tableId: string; columns: unknown; density: string; at: string }): Promise<void> {
  const values = { user_id: row.userId, table_id: row.tableId, columns: JSON.stringify(row.columns), density: row.density, updated_at: row.at };
  await db
    .insertInto('user_table_settings')
    .values(values)
    .onConflict((oc) => oc.columns(['user_id', 'table_id']).doUpdateSet({ columns: values.columns, density: values.density, updated_at: values.updated_at }))
    .execute();
}
