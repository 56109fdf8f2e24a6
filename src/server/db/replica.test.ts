import { describe, expect, it } from 'vitest';
import { parseLsn, replicaUsable, type ReplicaMonitor } from './replica.js';

const monitor = (state: Partial<ReplicaMonitor['state']>, at = new Date('2026-12-05T00:00:00Z')): ReplicaMonitor => ({
  state: { healthy: true, lagSeconds: 0, replayedLsn: parseLsn('0/3000000'), checkedAt: at, lastError: null, ...state },
  maxLagSeconds: 5,
  pollMs: 500,
  check: async () => undefined,
  stop: () => undefined,
});

describe('read replica routing rules', () => {
  it('compares WAL positions as 64-bit numbers, high word first', () => {
    expect(parseLsn('16/B374D848')).toBe(0x16b374d848n);
    expect(parseLsn('1/0') > parseLsn('0/FFFFFFFF')).toBe(true);
  });

  it('reads from the replica only when healthy, within the lag, freshly checked and past the caller’s last write', () => {
    const at = new Date('2026-12-05T00:00:01Z');
    expect(replicaUsable(monitor({}), null, at)).toBe(true);
    expect(replicaUsable(monitor({ healthy: false }), null, at)).toBe(false);
    expect(replicaUsable(monitor({ lagSeconds: 6 }), null, at)).toBe(false);
    // The caller wrote at a position the replica has not replayed: the primary answers.
    expect(replicaUsable(monitor({}), parseLsn('0/3000001'), at)).toBe(false);
    expect(replicaUsable(monitor({}), parseLsn('0/3000000'), at)).toBe(true);
    // A monitor that stopped hearing back (a hung connection) is not trusted.
    expect(replicaUsable(monitor({}), null, new Date('2026-12-05T00:00:03Z'))).toBe(false);
    expect(replicaUsable(monitor({ checkedAt: null }), null, at)).toBe(false);
  });
});
