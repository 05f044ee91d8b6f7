import type { ResolvedBackoff } from '../shared/supervision.defaults.js';

/**
 * Restart delays for one child: `minDelayMs × multiplier^(n−1)` for the n-th consecutive restart,
 * capped at `maxDelayMs`, spread by ±`jitter`. A child that ran `resetAfterMs` before it ended
 * starts the count again. Pure: the caller passes how long the child ran.
 */
export class Backoff {
  private consecutive = 0;

  constructor(
    private readonly options: ResolvedBackoff,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next restart of a child that ran `ranForMs` before it ended. */
  next(ranForMs: number): number {
    if (ranForMs >= this.options.resetAfterMs) this.consecutive = 0;
    this.consecutive += 1;
    return this.delayFor(this.consecutive);
  }

  /** The delay of the n-th consecutive restart (n ≥ 1), without jitter when `random` returns 0.5. */
  delayFor(n: number): number {
    const { minDelayMs, maxDelayMs, multiplier, jitter } = this.options;
    // After enough failures the power overflows to Infinity (and 0 × Infinity is NaN): the cap holds.
    const grown = minDelayMs === 0 ? 0 : minDelayMs * Math.pow(multiplier, Math.max(0, n - 1));
    const base = Number.isFinite(grown) ? Math.min(maxDelayMs, grown) : maxDelayMs;
    if (jitter === 0) return base;
    const spread = base * jitter * (2 * this.random() - 1);
    return Math.max(0, Math.min(maxDelayMs, base + spread));
  }
}
