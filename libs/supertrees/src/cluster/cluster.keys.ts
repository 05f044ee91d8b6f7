/**
 * Every Redis key of one namespace. The part in braces is Redis Cluster's hash tag: the two keys of a
 * unit share one slot (so its Lua scripts touch one slot), and so do the two membership keys.
 */

/** One lease: a singleton, or partition `partition` of a partitioned unit. */
export interface UnitRef {
  /** `name` for a singleton, `name#partition` for a partition: the lease's id. */
  readonly id: string;
  readonly name: string;
  /** Absent for a singleton. */
  readonly partition?: number;
}

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
}

export function clusterKeys(namespace: string): ClusterKeys {
  return {
    members: `{${namespace}}:members`,
    memberInfo: `{${namespace}}:members:info`,
    lease: (unit) => `{${namespace}/${unit.id}}:lease`,
    fence: (unit) => `{${namespace}/${unit.id}}:fence`,
  };
}
