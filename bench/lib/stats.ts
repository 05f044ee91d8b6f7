import { round, type Summary } from './results.js';

/** Median, min and max of the samples (the median of an even count is the mean of the middle two). */
export function summarize(samples: readonly number[], digits = 3): Summary {
  if (samples.length === 0) throw new Error('no samples to summarize');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return {
    n: sorted.length,
    median: round(median, digits),
    min: round(sorted[0]!, digits),
    max: round(sorted[sorted.length - 1]!, digits),
  };
}

/** Scales every figure of a summary (a unit change). */
export function scale(summary: Summary, factor: number, digits = 3): Summary {
  return {
    n: summary.n,
    median: round(summary.median * factor, digits),
    min: round(summary.min * factor, digits),
    max: round(summary.max * factor, digits),
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Lets one turn of the event loop pass. */
export const immediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
