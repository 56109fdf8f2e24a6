import { sql } from 'kysely';
import type { JobDefinition } from '../platform/jobs.js';
import type { Db } from './connect.js';

/**
 * Upkeep of the customer-name search index (migration 0004), which every name search reads.
 *
 * SQLite's FTS5 index is a set of segments: each transaction that adds or renames customers writes a new one, and
 * FTS5 merges them only in steps as they pile up, so a book whose customers came one at a time keeps several. A
 * search looks its trigrams up in every segment: on the 1 M bench seed (5 segments) the Latin name search's
 * match took 183 µs alone and its whole page statement 264; with the segments merged into one, 43 and 221
 * (bench/README.md). The merge runs in bounded steps (FTS5's 'merge' command, a few dozen pages each, each its own
 * short write), so writers never wait long behind it.
 *
 * PostgreSQL's trigram index (GIN) puts new entries in a pending list that each search scans in full until
 * VACUUM (autovacuum, when it runs) moves them into the index; `gin_clean_pending_list` moves them at once.
 */
const FTS = 'customers_name_fts';
/** Pages of merged output per step. */
const MERGE_PAGES = 64;
/** Bounds one run: a million customers' index is a few thousand pages. */
const MAX_STEPS = 500;

export interface SearchIndexUpkeep {
  /** SQLite: the index's segments before and after; PostgreSQL: pending-list pages moved into the index. */
  segmentsBefore?: number;
  segmentsAfter?: number;
  pagesCleaned?: number;
}

export async function searchIndexSegments(ctx: Db): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(distinct segid) as n from ${sql.table(`${FTS}_idx`)}`.execute(ctx.kysely);
  return Number(rows[0].n);
}

export async function mergeSearchIndex(ctx: Db): Promise<SearchIndexUpkeep> {
  if (ctx.dialect === 'postgres') {
    // No such index where pg_trgm could not be installed (migration 0004): nothing to clean.
    const { rows } = await sql<{ pages: string | number }>`
      select gin_clean_pending_list(trigrams) as pages from (select to_regclass('customers_name_key_trgm') as trigrams) as i where trigrams is not null`.execute(ctx.kysely);
    return { pagesCleaned: Number(rows[0]?.pages ?? 0) };
  }
  const segmentsBefore = await searchIndexSegments(ctx);
  let segments = segmentsBefore;
  // A negative page count: merge even where a level holds fewer segments than FTS5's own threshold, until one is left.
  for (let step = 0; segments > 1 && step < MAX_STEPS; step++) {
    await sql`insert into ${sql.table(FTS)} (${sql.ref(FTS)}, rank) values ('merge', ${-MERGE_PAGES})`.execute(ctx.kysely);
    segments = await searchIndexSegments(ctx);
  }
  return { segmentsBefore, segmentsAfter: segments };
}

/** Every ten minutes on the lease-based job runner: one instance merges; a run with one segment left only counts. */
export function searchIndexJob(): JobDefinition {
  return {
    name: 'search-index',
    intervalMs: 10 * 60_000,
    leaseMs: 10 * 60_000,
    run: (ctx) => mergeSearchIndex(ctx),
  };
}
