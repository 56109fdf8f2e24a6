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

/**
 * Whether workers that claim rows with claimRows need a job lease to keep to one at a time: on SQLite the claim
 * is a plain read, so two dispatchers would read the same rows.
 */
export const claimsNeedLease = (dialect: Dialect) => dialect !== 'postgres';

/**
 * Whether a transaction must lock the rows it is about to change: PostgreSQL runs writers side by side, SQLite
 * has one writer at a time, so a read there already sees what the write will act on.
 */
export const takesRowLocks = (dialect: Dialect) => dialect === 'postgres';

/**
 * Rows read to be changed in this transaction: locked on PostgreSQL (FOR UPDATE), so a concurrent command on the
 * same rows waits and then sees this one's result; a plain read on SQLite (see takesRowLocks).
 */
export function lockRows<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>, dialect: Dialect): SelectQueryBuilder<DB, TB, O> {
  return takesRowLocks(dialect) ? query.forUpdate() : query;
}
