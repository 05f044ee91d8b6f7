import { describe, expect, it } from '@jest/globals';
import { resolveBackoff, type ResolvedBackoff } from '../shared/supervision.defaults.js';
import { Backoff } from './backoff.js';

const options = (overrides: Partial<ResolvedBackoff> = {}): ResolvedBackoff => ({
  minDelayMs: 100,
  maxDelayMs: 10_000,
  resetAfterMs: 60_000,
  multiplier: 2,
  jitter: 0,
  ...overrides,
});

/** A random source that returns the given values in turn. */
const randoms = (...values: number[]): (() => number) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

describe('Backoff', () => {
  describe('growth', () => {
    it('waits minDelayMs before the first restart', () => {
      expect(new Backoff(options()).next(0)).toBe(100);
    });

    it('multiplies the delay by multiplier at each further consecutive restart', () => {
      const backoff = new Backoff(options());
      expect([backoff.next(0), backoff.next(0), backoff.next(0), backoff.next(0)]).toEqual([100, 200, 400, 800]);
    });

    it('follows minDelayMs × multiplier^(n−1) for a non-integer multiplier', () => {
      const backoff = new Backoff(options({ minDelayMs: 50, multiplier: 1.5 }));
      expect(backoff.delayFor(1)).toBe(50);
      expect(backoff.delayFor(3)).toBeCloseTo(112.5, 10);
    });

    it('stays at minDelayMs with a multiplier of 1', () => {
      const backoff = new Backoff(options({ multiplier: 1 }));
      expect([backoff.next(0), backoff.next(0), backoff.next(0)]).toEqual([100, 100, 100]);
    });

    it('counts consecutive restarts: the third in a row gets the third delay', () => {
      const backoff = new Backoff(options());
      backoff.next(0);
      backoff.next(0);
      expect(backoff.next(0)).toBe(backoff.delayFor(3));
    });

    it('uses the library defaults when resolved from no options', () => {
      const backoff = new Backoff(resolveBackoff(undefined));
      expect([backoff.next(0), backoff.next(0)]).toEqual([50, 60]);
    });
  });

  describe('cap', () => {
    it('never exceeds maxDelayMs', () => {
      const backoff = new Backoff(options({ maxDelayMs: 500 }));
      const delays = Array.from({ length: 6 }, () => backoff.next(0));
      expect(delays).toEqual([100, 200, 400, 500, 500, 500]);
    });

    it('stays at maxDelayMs for a restart count whose power overflows to Infinity', () => {
      expect(new Backoff(options({ maxDelayMs: 500 })).delayFor(5_000)).toBe(500);
    });

    it('stays at 0 with a minDelayMs of 0, however many restarts (0 × Infinity is not NaN)', () => {
      const backoff = new Backoff(options({ minDelayMs: 0 }));
      expect([backoff.delayFor(1), backoff.delayFor(5_000)]).toEqual([0, 0]);
    });

    it('stays at 0 with a minDelayMs of 0 and jitter', () => {
      expect(new Backoff(options({ minDelayMs: 0, jitter: 0.5 }), randoms(0.9)).delayFor(5_000)).toBe(0);
    });

    it('uses maxDelayMs when minDelayMs equals it', () => {
      expect(new Backoff(options({ minDelayMs: 300, maxDelayMs: 300 })).delayFor(1)).toBe(300);
    });
  });

  describe('reset', () => {
    it('starts again from minDelayMs after a run of resetAfterMs', () => {
      const backoff = new Backoff(options({ resetAfterMs: 1_000 }));
      backoff.next(0);
      backoff.next(0);
      backoff.next(0);
      expect(backoff.next(1_000)).toBe(100);
      // The count started again at 1: the next restart in a row is the second.
      expect(backoff.next(0)).toBe(200);
    });

    it('keeps growing after a run shorter than resetAfterMs', () => {
      const backoff = new Backoff(options({ resetAfterMs: 1_000 }));
      backoff.next(0);
      expect(backoff.next(999)).toBe(200);
    });

    it('resets on a run of exactly resetAfterMs, however long the streak was', () => {
      const backoff = new Backoff(options({ resetAfterMs: 1_000, maxDelayMs: 10_000 }));
      for (let i = 0; i < 6; i += 1) backoff.next(0);
      expect(backoff.next(1_000)).toBe(100);
      expect(backoff.next(0)).toBe(200);
    });
  });

  describe('jitter', () => {
    it('returns the exact delay when jitter is 0, without drawing a random number', () => {
      let draws = 0;
      const backoff = new Backoff(options({ jitter: 0 }), () => {
        draws += 1;
        return 0.9;
      });
      expect(backoff.next(0)).toBe(100);
      expect(draws).toBe(0);
    });

    it('adds nothing when random returns 0.5', () => {
      expect(new Backoff(options({ jitter: 0.5 }), randoms(0.5)).delayFor(2)).toBe(200);
    });

    it('reaches base × (1 − jitter) at the low end of random', () => {
      expect(new Backoff(options({ jitter: 0.5 }), randoms(0)).delayFor(2)).toBe(100);
    });

    it('approaches base × (1 + jitter) at the high end of random', () => {
      const delay = new Backoff(options({ jitter: 0.5 }), randoms(0.999_999)).delayFor(2);
      expect(delay).toBeLessThan(300);
      expect(delay).toBeGreaterThan(299.99);
    });

    it('stays within ±jitter of the delay for every draw', () => {
      const draws = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999];
      const backoff = new Backoff(options({ jitter: 0.2 }), randoms(...draws));
      const delays = draws.map(() => backoff.delayFor(3));
      expect(new Set(delays).size).toBe(draws.length);
      for (const delay of delays) {
        expect(delay).toBeGreaterThanOrEqual(400 * 0.8);
        expect(delay).toBeLessThanOrEqual(400 * 1.2);
      }
    });

    it('does not push a capped delay above maxDelayMs', () => {
      expect(new Backoff(options({ maxDelayMs: 500, jitter: 0.5 }), randoms(0.999)).delayFor(10)).toBe(500);
    });

    it('never goes below 0, even with full jitter at the low end', () => {
      expect(new Backoff(options({ jitter: 1 }), randoms(0)).delayFor(1)).toBe(0);
    });

    it('never goes below 0 when the random source misbehaves', () => {
      expect(new Backoff(options({ jitter: 1 }), randoms(-5)).delayFor(1)).toBe(0);
    });
  });
});
