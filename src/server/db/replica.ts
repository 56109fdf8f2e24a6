import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.js';

/**
 * A streaming replica (PostgreSQL physical replication, DATABASE_READ_URL) and what this instance knows of it.
 * A monitor asks both servers where they are every `pollMs`: the primary's WAL position and the replica's
 * replayed position. Reads go to the replica only while it answered the last poll and is not behind by more
 * than the configured lag; a caller that just wrote reads from the replica only once it has replayed that write.
 */
export interface ReplicaState {
  /** The replica answered the last poll and is in recovery (a promoted or wrong server is never read from). */
  healthy: boolean;
  /** How long the replica has been behind the primary position it has not replayed yet; 0 when caught up. */
  lagSeconds: number;
  /** The last WAL position the replica reported as replayed. */
  replayedLsn: bigint;
  checkedAt: Date | null;
  lastError: string | null;
}

export interface ReplicaMonitor {
  readonly state: ReplicaState;
  readonly maxLagSeconds: number;
  readonly pollMs: number;
  /** Polls now (tests and start-up); resolves when both servers answered or failed. */
  check(): Promise<void>;
  stop(): void;
}

/** "16/B374D848" → 0x16B374D848: LSNs compare as 64-bit numbers. */
export function parseLsn(text: string): bigint {
  const [high, low] = text.split('/');
  return (BigInt(`0x${high}`) << 32n) | BigInt(`0x${low}`);
}

/**
 * The primary's current WAL position: a write committed before this call is at or before it. The insert position,
 * not pg_current_wal_lsn() (the written-out one): with synchronous_commit=off a commit returns before its record
 * is written out, and a replica that replayed up to the written position could still lack it (the cluster test
 * caught a list missing the order just created that way).
 */
export async function primaryLsn(primary: Kysely<DB>): Promise<bigint> {
  const { rows } = await sql<{ lsn: string }>`select pg_current_wal_insert_lsn()::text as lsn`.execute(primary);
  return parseLsn(rows[0].lsn);
}

export function startReplicaMonitor(primary: Kysely<DB>, replica: Kysely<DB>, options: { maxLagSeconds: number; pollMs?: number; now?: () => Date }): ReplicaMonitor {
  const now = options.now ?? (() => new Date());
  const state: ReplicaState = { healthy: false, lagSeconds: 0, replayedLsn: 0n, checkedAt: null, lastError: null };
  // Primary positions seen and when: the replica's lag is the age of the oldest one it has not replayed yet.
  // Measured this way an idle replica is not "behind" (pg_last_xact_replay_timestamp ages while nothing is written).
  let pending: Array<{ lsn: bigint; seenAt: number }> = [];
  let inFlight: Promise<void> | undefined;

  const poll = async () => {
    try {
      const at = now().getTime();
      const head = await primaryLsn(primary);
      if (pending.length === 0 || pending[pending.length - 1].lsn < head) pending.push({ lsn: head, seenAt: at });
      const { rows } = await sql<{ replayed: string | null; recovering: boolean }>`select pg_last_wal_replay_lsn()::text as replayed, pg_is_in_recovery() as recovering`.execute(replica);
      const replayed = rows[0].replayed === null ? 0n : parseLsn(rows[0].replayed);
      pending = pending.filter((p) => p.lsn > replayed);
      state.replayedLsn = replayed;
      state.lagSeconds = pending.length === 0 ? 0 : (now().getTime() - pending[0].seenAt) / 1000;
      state.healthy = rows[0].recovering;
      state.lastError = rows[0].recovering ? null : 'the read database is not a replica (not in recovery)';
    } catch (error) {
      state.healthy = false;
      state.lastError = error instanceof Error ? error.message : String(error);
    } finally {
      state.checkedAt = now();
    }
  };
  const check = () => (inFlight ??= poll().finally(() => (inFlight = undefined)));
  const timer = setInterval(() => void check(), options.pollMs ?? 500).unref();
  void check();
  return {
    state,
    maxLagSeconds: options.maxLagSeconds,
    pollMs: options.pollMs ?? 500,
    check,
    stop: () => clearInterval(timer),
  };
}

/** Whether a read may go to the replica, given the WAL position the caller's last write reached (if any). */
export function replicaUsable(monitor: ReplicaMonitor, writtenLsn: bigint | null, at: Date = new Date()): boolean {
  const { state } = monitor;
  if (!state.healthy || state.lagSeconds > monitor.maxLagSeconds) return false;
  // A poll that stopped answering (a hung connection) leaves old news: trust it only for a few intervals.
  if (!state.checkedAt || at.getTime() - state.checkedAt.getTime() > Math.max(2_000, monitor.pollMs * 4)) return false;
  return writtenLsn === null || state.replayedLsn >= writtenLsn;
}
