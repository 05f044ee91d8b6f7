/**
 * Which instance of a pool takes a message: PartitionSupervisor's rule for a key, least busy
 * without one. Pure: the loads are given, the cursor is returned.
 */

/** A key that routes a message to one instance: the same key, the same instance, while the pool keeps its size. */
export type PartitionKey = string | number;

/**
 * The 32-bit FNV-1a hash of the key's UTF-16 code units (a number is hashed as its decimal text,
 * so `7` and `'7'` go to the same instance). Erlang's PartitionSupervisor uses `phash2`; FNV-1a is
 * as stable (the same in every process and every run, unlike a seeded hash) and cheap on short keys.
 */
export function hashKey(key: PartitionKey): number {
  const text = typeof key === 'number' ? String(key) : key;
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The instance of a pool of `count` that `key` belongs to: `hash(key) mod count`, as PartitionSupervisor. */
export function partitionOf(key: PartitionKey, count: number): number {
  return hashKey(key) % count;
}

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
