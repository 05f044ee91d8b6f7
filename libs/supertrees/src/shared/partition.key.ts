/** PartitionSupervisor's key rule, shared by pools (runtime/) and cluster partitions (cluster/). Pure. */

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
