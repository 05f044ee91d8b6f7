import { describe, expect, it } from '@jest/globals';
import { partitionOf as poolPartitionOf } from '../shared/partition.key.js';
import { ClusterRoutingError } from './cluster.errors.js';
import { partitionOf, unitForCall } from './unit.routing.js';

describe('which unit a call goes to', () => {
  it('sends a key to the partition a pool of the same size would give it', () => {
    for (const key of ['order-1', 'order-2', 42, '42', 'é', '']) {
      expect(partitionOf(key, 64)).toBe(poolPartitionOf(key, 64));
      expect(unitForCall('root/Shard', 64, key)).toEqual({ id: `root/Shard#${poolPartitionOf(key, 64)}`, name: 'root/Shard', partition: poolPartitionOf(key, 64) });
    }
    // The rule itself, pinned: FNV-1a of the key's text, mod the count; a number as its decimal text.
    expect(partitionOf('order-1', 64)).toBe(partitionOf('order-1', 64));
    expect(partitionOf(7, 10)).toBe(partitionOf('7', 10));
  });

  it('spreads keys over the partitions', () => {
    const counts = Array.from({ length: 8 }, () => 0);
    for (let i = 0; i < 8_000; i++) counts[partitionOf(`key-${i}`, 8)]! += 1;
    for (const count of counts) expect(count).toBeGreaterThan(800);
  });

  it('sends a call without a key to a singleton', () => {
    expect(unitForCall('root/Reconciler', undefined, undefined)).toEqual({ id: 'root/Reconciler', name: 'root/Reconciler' });
  });

  it.each([
    ['a key to a singleton', undefined, 'k', 'key-unpartitioned'],
    ['no key to a partitioned node', 8, undefined, 'no-key'],
    ['a key that is an object', 8, {} as unknown as string, 'bad-key'],
    ['a key that is NaN', 8, Number.NaN, 'bad-key'],
  ])('refuses %s with a ClusterRoutingError', (_, partitions, key, problem) => {
    let thrown: unknown;
    try {
      unitForCall('root/X', partitions, key);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ClusterRoutingError);
    expect(thrown).toMatchObject({ path: 'root/X', problem });
  });
});
