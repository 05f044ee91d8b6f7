/**
 * The types of cluster mode that the public interfaces name (the module's `cluster` option, the
 * worker's `ctx.lease`). They live here, not in `cluster/`, so that `interfaces/` imports nothing;
 * `cluster/` re-exports them.
 */
import type { LoggerService } from '@nestjs/common';

/**
 * An ioredis client (`new Redis(...)` from `ioredis`), described by the parts cluster mode checks, so
 * that the library's types do not need `ioredis` installed where cluster mode is not used.
 */
export interface RedisClient {
  readonly status: string;
  evalsha(...args: never[]): unknown;
  duplicate(...args: never[]): unknown;
}

/** Address information a member publishes with its heartbeats (e.g. `{ host, port }`): small, flat, plain. */
export type MemberInfo = Readonly<Record<string, string | number | boolean>>;

/** Cluster mode's options. Every default is in `CLUSTER_DEFAULTS`. */
export interface ClusterOptions {
  /**
   * The Redis every replica shares: an ioredis client (yours: the cluster layer neither connects nor
   * closes it, and sends nothing while its status is not `ready`) or a `redis://` / `rediss://` URL
   * (then it creates, owns and closes its own client, with no offline queue and bounded retries). Required.
   */
  redis: string | RedisClient;
  /** Prefix of every key, `[A-Za-z0-9_.-]{1,64}`. Default `'supertrees'`. */
  namespace?: string;
  /** This replica's id, `[A-Za-z0-9_.:-]{1,128}`, unique among live replicas. Default `<hostname>-<pid>-<random>`. */
  memberId?: string;
  /** Published with the heartbeats (address, port, version): at most 32 fields, 1 KiB as JSON. Default `{}`. */
  memberInfo?: MemberInfo;
  /** How long a lease (and a heartbeat) lives in Redis without renewal, ms, 1 000..600 000. Default 10 000. */
  leaseTtlMs?: number;
  /** How often a replica renews all its leases and heartbeats (one round trip), ms, >= 50 and < leaseTtlMs / 3. Default 2 000. */
  renewIntervalMs?: number;
  /**
   * How long before the lease's expiry, counted from when its last renewal was SENT, a replica stops its
   * units on its own, ms: covers clock-rate drift and the units' own stopping. >= 0, and
   * leaseTtlMs - safetyMarginMs must exceed 2 x renewIntervalMs. Default 1 000.
   */
  safetyMarginMs?: number;
  /** Longest wait for any one Redis command, ms, 50..60 000 and <= renewIntervalMs. Default 1 000. */
  commandTimeoutMs?: number;
  /**
   * With a URL: `true` makes `start()` reject with `ClusterRedisError` when Redis cannot be reached then;
   * `false` starts anyway, logs the outage once, and acquires leases once Redis answers. Default false.
   */
  requireRedisAtStart?: boolean;
  /** Where it logs (Nest's `Logger` by default, context `ClusterNode`); `false` for nothing. */
  logger?: LoggerService | false;
  /** How routed calls and casts travel between replicas. Default `{ transport: 'redis' }`. */
  calls?: ClusterCallsOptions;
}

/**
 * How a routed call reaches the replica holding its unit (`cluster.calls`). `'redis'`: through Redis
 * pub/sub, nothing else to open. `'direct'`: each replica also listens on a TCP port and publishes its
 * address with its heartbeat; a caller keeps one authenticated connection per peer replica and sends
 * requests on it (pub/sub stays as the fallback while a peer has no address or cannot be reached).
 */
export interface ClusterCallsOptions {
  /** `'redis'` or `'direct'`. Default `'redis'` (binding a port on every replica is a deployment decision). */
  transport?: 'redis' | 'direct';
  /** With `'direct'`: where this replica listens. Default `{ host: '0.0.0.0', port: 0 }` (every IPv4 interface, a port the OS picks). */
  listen?: { host?: string; port?: number };
  /**
   * With `'direct'`: the host other replicas connect to, published with the heartbeat. Default
   * `listen.host` when that is one address, else this machine's first non-internal IPv4 address
   * (`127.0.0.1` when it has none).
   */
  advertise?: string;
  /**
   * With `'direct'`: the secret a connection proves it knows (HMAC over a challenge; never sent),
   * 32..1024 characters, the same on every replica. Default: one created for the namespace in Redis
   * (`SET NX`) and read by every replica, so that knowing Redis is what lets a peer in.
   */
  secret?: string;
}

/** One lease: a singleton, or partition `partition` of a partitioned unit. */
export interface UnitRef {
  /** `name` for a singleton, `name#partition` for a partition: the lease's id. */
  readonly id: string;
  readonly name: string;
  /** Absent for a singleton. */
  readonly partition?: number;
}

/** The worker's view of its lease. */
export interface LeaseHandle {
  readonly unit: UnitRef;
  readonly fencingToken: number;
  /**
   * True while this replica may act for the unit: measured on this process's monotonic clock against
   * the deadline (send time of the last good renewal + TTL - safety margin). Check it right before an
   * unfenced side effect; it turns false on its own, even if nothing else in the process ran.
   */
  stillHolds(): boolean;
  /** Ms left until the deadline (0 when past it). */
  remainingMs(): number;
  /** Aborted when the lease is lost, handed off or the node stops. */
  readonly signal: AbortSignal;
}

/**
 * The lease state machine of one unit on this member:
 * free -> acquiring -> (granted) starting -> running -> stopping -> free.
 * `stopping` always ends in `free`; a unit is started again only from `free`.
 */
export type UnitPhase = 'free' | 'acquiring' | 'starting' | 'running' | 'stopping';

/** A unit as this member holds it (or not): plain data. */
export interface LocalUnitState {
  readonly unit: string;
  readonly name: string;
  readonly partition?: number;
  readonly phase: UnitPhase;
  /** The token it holds (or last held) the lease with; 0 if never. */
  readonly token: number;
  /** Ms until this member's own deadline for it; 0 when not held. */
  readonly remainingMs: number;
}
