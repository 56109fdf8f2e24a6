import { describe, expect, it } from 'vitest';
import { purgeCountdown } from './purge-countdown.js';

const DAY = 86_400_000;
const now = Date.parse('2026-12-04T12:00:00.000Z');
const at = (ms: number) => new Date(now + ms).toISOString();

describe('the purge countdown counts days as the delete dialog does', () => {
  it('says the full retention right after deletion, and whole days rounded up after that', () => {
    expect(purgeCountdown(at(30 * DAY), now)).toEqual({ kind: 'days', days: 30 });
    expect(purgeCountdown(at(30 * DAY - 1000), now)).toEqual({ kind: 'days', days: 30 });
    expect(purgeCountdown(at(29 * DAY + 1), now)).toEqual({ kind: 'days', days: 30 });
    expect(purgeCountdown(at(29 * DAY), now)).toEqual({ kind: 'days', days: 29 });
    expect(purgeCountdown(at(DAY), now)).toEqual({ kind: 'days', days: 1 });
  });
  it('switches to hours in the last day and to "due" once the time has come', () => {
    expect(purgeCountdown(at(DAY - 1), now)).toEqual({ kind: 'hours', hours: 24 });
    expect(purgeCountdown(at(90 * 60_000), now)).toEqual({ kind: 'hours', hours: 2 });
    expect(purgeCountdown(at(0), now)).toEqual({ kind: 'due' });
    expect(purgeCountdown(at(-DAY), now)).toEqual({ kind: 'due' });
  });
});
