import type { Redis } from 'ioredis';
import { clusterKeys, unitRef, type ClusterKeys, type UnitRef } from './cluster.keys.js';
import { CLUSTER_DEFAULTS, NAMESPACE_PATTERN, validateUnits, type ClusterUnitSpec } from './cluster.options.js';
import { ClusterConfigError, ClusterDataError } from './cluster.errors.js';
import { CLUSTER_MESSAGES } from './cluster.messages.js';
import { parseView, type ClusterView } from './cluster.replies.js';
import { VIEW } from './lease.scripts.js';
import { RedisLink } from './redis.link.js';
import { CLUSTER_VIEW_LIMITS, parseEvents, parseTree } from './view.data.js';

/**
 * Members and leases in one script, then every live member's tree and the latest events in one
 * pipeline (the tree keys and the stream share the namespace's slot). Everything read is validated.
 */
export async function readView(link: RedisLink, keys: ClusterKeys, refs: readonly UnitRef[]): Promise<ClusterView> {
  const all = [keys.members, keys.memberInfo, ...refs.flatMap((r) => [keys.lease(r), keys.fence(r)])];
  const table = parseView(await link.run(VIEW, all, []), refs);
  const members = table.members.map((m) => m.id);
  const commands: [string, ...(string | number)[]][] = [['xrevrange', keys.events, '+', '-', 'COUNT', CLUSTER_VIEW_LIMITS.eventsRead]];
  if (members.length > 0) commands.push(['mget', ...members.map((m) => keys.tree(m))]);
  const [events, trees] = await link.pipeline(commands, 'view');
  const texts = members.length > 0 ? (Array.isArray(trees) && trees.length === members.length ? trees : bad('view: trees', 'not one reply per member')) : [];
  return {
    ...table,
    trees: members.flatMap((m, i) => parseTree(m, texts[i]) ?? []),
    events: parseEvents(events),
  };
}

const bad = (what: string, detail: string): never => {
  throw new ClusterDataError(what, detail);
};

/**
 * The cluster view read by anyone with a client (an admin endpoint, a test), without being a member:
 * live members with their info and heartbeat expiry, each unit's holder, token and expiry, every live
 * member's tree and the latest events, as Redis has them now. Two round trips; everything read is validated.
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
