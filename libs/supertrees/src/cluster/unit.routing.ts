import { partitionOf, type PartitionKey } from '../shared/partition.key.js';
import { ClusterRoutingError } from './cluster.errors.js';
import { unitRef, type UnitRef } from './cluster.keys.js';

/** The rule pools use for `key` (FNV-1a of the key's text, mod the count): a key names the same partition in every replica. */
export { partitionOf };

/**
 * The unit a call to the placed node `path` goes to: the singleton, or the partition its `key`
 * names. Throws `ClusterRoutingError` for a key to a singleton, no key to a partitioned node, or a
 * key that is not a string or finite number; nothing is sent then.
 */
export function unitForCall(path: string, partitions: number | undefined, key: PartitionKey | undefined): UnitRef {
  if (key !== undefined && typeof key !== 'string' && !(typeof key === 'number' && Number.isFinite(key))) {
    throw new ClusterRoutingError(path, 'bad-key');
  }
  if (partitions === undefined) {
    if (key !== undefined) throw new ClusterRoutingError(path, 'key-unpartitioned');
    return unitRef(path);
  }
  if (key === undefined) throw new ClusterRoutingError(path, 'no-key');
  return unitRef(path, partitionOf(key, partitions));
}
