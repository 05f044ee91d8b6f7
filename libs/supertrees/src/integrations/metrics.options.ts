import { InvalidOptionError } from '../errors/supervision-config.error.js';

/** Checks the options both metrics modules share, naming the module in the error. */
export function checkMetricsOptions(owner: string, options: object, allowed: readonly string[], prefixPattern: RegExp): void {
  for (const name of Object.keys(options)) {
    if (!allowed.includes(name)) throw new InvalidOptionError(owner, name, `is not an option (known: ${allowed.join(', ')})`);
  }
  const { prefix, backoffBuckets } = options as { prefix?: unknown; backoffBuckets?: unknown };
  if (prefix !== undefined && (typeof prefix !== 'string' || !prefixPattern.test(prefix))) {
    throw new InvalidOptionError(owner, 'prefix', `must be a string matching ${String(prefixPattern)} (got ${JSON.stringify(prefix)})`);
  }
  if (
    backoffBuckets !== undefined &&
    !(
      Array.isArray(backoffBuckets) &&
      backoffBuckets.length > 0 &&
      backoffBuckets.every((b, i) => typeof b === 'number' && Number.isFinite(b) && b > 0 && (i === 0 || b > (backoffBuckets[i - 1] as number)))
    )
  ) {
    throw new InvalidOptionError(owner, 'backoffBuckets', 'must be a non-empty array of increasing positive numbers (seconds)');
  }
}
