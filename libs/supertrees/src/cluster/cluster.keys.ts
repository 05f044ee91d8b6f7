import type { UnitRef } from '../interfaces/cluster.interface.js';
/**
 * Every Redis key of one namespace. The part in braces is Redis Cluster's hash tag: the two keys of a
 * unit share one slot (so its Lua scripts touch one slot), and so do the membership keys, the members'
 * trees and the event stream (so one MGET reads every tree).
 */

export type { UnitRef } from '../interfaces/cluster.interface.js';

export function unitRef(name: string, partition?: number): UnitRef {
  return partition === undefined ? { id: name, name } : { id: `${name}#${partition}`, name, partition };
}

export interface ClusterKeys {
  /** Sorted set: member id -> expiry (Redis time, ms). Only live members stay in it. */
  readonly members: string;
  /** Hash: member id -> its info as JSON, pruned with `members`. */
  readonly memberInfo: string;
  /** Hash { owner, token }, with the lease's TTL: present while someone holds the unit. */
  lease(unit: UnitRef): string;
  /** Hash { token, born }, no TTL: the unit's last fencing token (it only grows) and when this record was created. */
  fence(unit: UnitRef): string;
  /** Pub/sub channel: the requests and replies a member's router receives. */
  inbox(member: string): string;
  /** String, no TTL: the secret direct call channels authenticate with (`cluster.calls`), when the option gives none. */
  readonly callsSecret: string;
  /** String { v, at, tree | truncated } with a TTL of leaseTtlMs: a member's tree snapshot, as it last published it. */
  tree(member: string): string;
  /** Stream, capped near `CLUSTER_VIEW_LIMITS.events` entries: every member's cluster events, field `e` = the event as JSON. */
  readonly events: string;
}

export function clusterKeys(namespace: string): ClusterKeys {
  return {
    members: `{${namespace}}:members`,
    memberInfo: `{${namespace}}:members:info`,
    lease: (unit) => `{${namespace}/${unit.id}}:lease`,
    fence: (unit) => `{${namespace}/${unit.id}}:fence`,
    inbox: (member) => `{${namespace}}:inbox:${member}`,
    callsSecret: `{${namespace}}:calls:secret`,
    tree: (member) => `{${namespace}}:tree:${member}`,
    events: `{${namespace}}:events`,
  };
}
