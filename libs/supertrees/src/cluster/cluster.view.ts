import type { Redis } from 'ioredis';
import { clusterKeys, unitRef, type ClusterKeys, type UnitRef } from './cluster.keys.js';
import { CLUSTER_DEFAULTS, NAMESPACE_PATTERN, validateUnits, type ClusterUnitSpec } from './cluster.options.js';
import { ClusterConfigError } from './cluster.errors.js';
import { CLUSTER_MESSAGES } from './cluster.messages.js';
import { parseView, type ClusterView } from './cluster.replies.js';
import { VIEW } from './lease.scripts.js';
import { RedisLink } from './redis.link.js';

export async function readView(link: RedisLink, keys: ClusterKeys, refs: readonly UnitRef[]): Promise<ClusterView> {
  const all = [keys.members, keys.memberInfo, ...refs.flatMap((r) => [keys.lease(r), keys.fence(r)])];
  return parseView(await link.run(VIEW, all, []), refs);
}

/**
 * The cluster view read by anyone with a client (an admin endpoint, a test), without being a member:
 * live members with their info and heartbeat expiry, and each unit's holder, token and expiry, as
 * Redis has them now. One script, one round trip; everything read is validated.
 */
export async function readClusterView(
  client: Redis,
  units: readonly ClusterUnitSpec[],
  options: { namespace?: string; commandTimeoutMs?: number } = {},
): Promise<ClusterView> {
  const namespace = options.namespace ?? CLUSTER_DEFAULTS.namespace;
  if (!NAMESPACE_PATTERN.test(namespace)) {
    throw new ClusterConfigError(CLUSTER_MESSAGES.invalidOption('namespace', `must match ${NAMESPACE_PATTERN} (got ${JSON.stringify(namespace)})`), 'namespace');
  }
  validateUnits(units);
  const refs = units.flatMap((u) => (u.partitions === undefined ? [unitRef(u.name)] : Array.from({ length: u.partitions }, (_, p) => unitRef(u.name, p))));
  return readView(RedisLink.wrap(client, options.commandTimeoutMs ?? CLUSTER_DEFAULTS.commandTimeoutMs), clusterKeys(namespace), refs);
}
