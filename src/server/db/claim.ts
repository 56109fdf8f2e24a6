import type { SelectQueryBuilder } from 'kysely';
import type { Dialect } from './connect.js';

/**
 * Rows claimed for work inside a transaction: on PostgreSQL they are locked and other instances skip them
 * (FOR UPDATE SKIP LOCKED), so several dispatchers split the queue instead of queueing behind each other.
 * SQLite has one writer at a time and the callers hold a job lease there, so plain reads are enough.
 */
export function claimRows<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>, dialect: Dialect): SelectQueryBuilder<DB, TB, O> {
  return dialect === 'postgres' ? query.forUpdate().skipLocked() : query;
}
