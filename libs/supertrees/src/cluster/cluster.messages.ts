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
  notStarted: () => 'the cluster node is not started (call start() first)',
  startedTwice: () => 'start() was already called on this cluster node; a node starts once',
  noOwner: (unit: string, why: 'no-holder' | 'holder-gone' | 'not-owner', maybeDelivered = false) =>
    maybeDelivered
      ? `the connection to the replica holding ${unit} broke before it answered (it died or the network failed); the request went and may have run`
      : why === 'no-holder'
      ? `no replica holds ${unit} now (its lease is free: being handed over, or no live member can run it); not delivered`
      : why === 'holder-gone'
        ? `the replica holding ${unit} does not answer on its inbox (it died or lost Redis); not delivered`
        : `the replica asked does not hold ${unit} (it changed hands); not delivered`,
  routing: (path: string, problem: 'key-unpartitioned' | 'no-key' | 'bad-key') =>
    problem === 'key-unpartitioned'
      ? `call to ${path}: a key routes only to a partitioned node (placement: { partitions }); ${path} is not partitioned`
      : problem === 'no-key'
        ? `call to ${path}: ${path} is partitioned; pass { key } to say which partition takes the message`
        : `call to ${path}: key must be a string or a finite number`,
  redisDown: (unit: string, cause: string) => `cannot route to ${unit}: Redis unreachable (${cause})`,
  routerStopped: () => 'the cluster router is stopped',
  callsSecretChanged: () => "the namespace's direct channel secret in Redis is not the one this member held (Redis lost it, and another member wrote a new one first): using the new one",
  garbageFrames: (count: number, detail: string) => `rejected ${count} malformed message(s) on this member's inbox so far; latest: ${detail}`,
  treeUnavailable: (cause: string) => `the tree snapshot could not be taken for the cluster view: ${cause}`,
} as const;
