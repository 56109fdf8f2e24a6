/**
 * When a failed webhook or e-mail is tried again: exponential (30 s × 3ⁿ, at most a day) with ±25 % jitter so
 * receivers coming back after an outage are not hit by every sender at once. Ten attempts span more than
 * 38 h (the 9 waits, even when every jitter draws its minimum); then `dead`.
 */
export const MAX_ATTEMPTS = 10;
const BASE_MS = 30_000;
const CAP_MS = 24 * 3600_000;

/** The wait after the `attempts`-th failed attempt (1-based). */
export function retryDelayMs(attempts: number, random: () => number = Math.random): number {
  const exact = Math.min(BASE_MS * 3 ** Math.max(0, attempts - 1), CAP_MS);
  return Math.round(exact * (0.75 + 0.5 * random()));
}
