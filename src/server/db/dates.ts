import { sql, type RawBuilder } from 'kysely';
import type { Dialect } from './connect.js';

/**
 * A stored ISO-8601 UTC timestamp column moved by a number of seconds, as the same fixed-width text
 * (YYYY-MM-DDTHH:MM:SS.sssZ), so it compares with other timestamps as text on both databases.
 */
export function shiftedTimestamp(dialect: Dialect, column: string, seconds: number): RawBuilder<string> {
  const s = Math.trunc(seconds);
  if (dialect === 'sqlite') return sql<string>`strftime('%Y-%m-%dT%H:%M:%fZ', ${sql.ref(column)}, ${`${s >= 0 ? '+' : ''}${s} seconds`})`;
  return sql<string>`to_char((${sql.ref(column)}::timestamptz + make_interval(secs => ${sql.lit(s)})) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}
