/**
 * Every message the cluster layer puts in an error or a log line, in one place: the code and the
 * tests build them from these factories, so a test that matches a message cannot drift from the code.
 */
export const CLUSTER_MESSAGES = {
  invalidOption: (option: string, problem: string) => `ClusterOptions: option "${option}" ${problem}`,
  noRedis: () =>
    'ClusterOptions: option "redis" is required: pass an ioredis client or a redis:// URL (cluster mode needs a Redis)',
  clusterClient: () =>
    'ClusterOptions: option "redis" is an ioredis Cluster client; cluster mode needs one Redis (or a Sentinel-managed primary), not a Redis Cluster, in this version',
  invalidUnit: (index: number, problem: string) => `ClusterUnitSpec: units[${index}] ${problem}`,
  duplicateUnit: (name: string) => `ClusterUnitSpec: unit "${name}" is declared twice; unit names are unique`,
  noIoredis: (cause: string) =>
    `cluster mode needs the optional peer dependency "ioredis" (npm install ioredis): ${cause}`,
  unreachableAtStart: (cause: string) => `Redis is unreachable at start (requireRedisAtStart: true): ${cause}`,
  timeout: (what: string, ms: number) => `Redis did not answer ${what} within ${ms} ms`,
  garbage: (what: string, detail: string) => `unexpected data read from Redis for ${what}: ${detail}`,
  outage: (cause: string) =>
    `Redis unreachable (${cause}); units held here stop at their lease deadlines and come back when Redis does`,
  recovered: (downMs: number) => `Redis reachable again after ${downMs} ms`,
  startFailed: (unit: string) => `unit ${unit} failed to start; its lease is released and it is tried again later`,
  stopFailed: (unit: string) => `unit ${unit} failed while stopping; its lease is released anyway`,
  noOwner: (unit: string, partition: number | undefined, why: string) =>
    `no replica can take a message for ${unit}${partition === undefined ? '' : ` partition ${partition}`} now: ${why}`,
  keyToUnpartitioned: (path: string) =>
    `a call with a key to ${path}, which is not partitioned (nor a pool): a key picks a partition; call it without one`,
  partitionedNeedsKey: (path: string, partitions: number) =>
    `${path} is partitioned into ${partitions}: call it with a key (or the path of one partition, ${path}#p)`,
  notStarted: () => 'the cluster node is not started (call start() first)',
  startedTwice: () => 'start() was already called on this cluster node; a node starts once',
} as const;
