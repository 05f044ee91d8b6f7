/**
 * Which instance of a pool takes a message: PartitionSupervisor's rule for a key, least busy
 * without one. Pure: the loads are given, the cursor is returned.
 */

import { partitionOf, type PartitionKey } from '../shared/partition.key.js';

export { hashKey, partitionOf, type PartitionKey } from '../shared/partition.key.js';

/**
 * The instance with the fewest messages waiting or being handled; among equals, the first at or
 * after `cursor` (round robin), so an idle pool spreads its calls rather than piling them on
 * instance 0. Returns the instance and the cursor for the next pick.
 */
export function leastBusy(loads: readonly number[], cursor: number): { instance: number; cursor: number } {
  const count = loads.length;
  let best = -1;
  let bestLoad = Number.POSITIVE_INFINITY;
  for (let step = 0; step < count; step++) {
    const i = (cursor + step) % count;
    if (loads[i]! < bestLoad) {
      best = i;
      bestLoad = loads[i]!;
      if (bestLoad === 0) break;
    }
  }
  return { instance: best, cursor: (best + 1) % count };
}

/** `key` routes by {@link partitionOf}; no key picks {@link leastBusy}. */
export function pickInstance(
  loads: readonly number[],
  key: PartitionKey | undefined,
  cursor: number,
): { instance: number; cursor: number } {
  if (key !== undefined) return { instance: partitionOf(key, loads.length), cursor };
  return leastBusy(loads, cursor);
}
