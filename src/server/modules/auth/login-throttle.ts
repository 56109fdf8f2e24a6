import { AppError } from '../../platform/errors.js';

/**
 * Per-address brake on sign-in attempts, in front of the per-account lockout (auth.service.ts). It lives in
 * memory: with several instances each brakes on its own, which still bounds guessing; the lockout is shared.
 */
export class LoginThrottle {
  private readonly attempts = new Map<string, number[]>();
  constructor(
    private readonly limit = 30,
    private readonly windowMs = 5 * 60_000,
  ) {}

  check(ip: string, now = Date.now()): void {
    const recent = (this.attempts.get(ip) ?? []).filter((t) => t > now - this.windowMs);
    if (recent.length >= this.limit) {
      const retryAfter = Math.ceil((recent[0] + this.windowMs - now) / 1000);
      throw new AppError('rate_limited', `Too many sign-in attempts from this address; try again in ${retryAfter} seconds`, { retryAfter });
    }
    recent.push(now);
    this.attempts.set(ip, recent);
    if (this.attempts.size > 10_000) this.prune(now);
  }

  private prune(now: number): void {
    for (const [ip, times] of this.attempts) if (times.every((t) => t <= now - this.windowMs)) this.attempts.delete(ip);
  }
}
