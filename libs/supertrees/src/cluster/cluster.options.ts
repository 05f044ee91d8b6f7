import type { LoggerService } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { ClusterCallsOptions, ClusterOptions, MemberInfo } from '../interfaces/cluster.interface.js';
import { randomBytes } from 'node:crypto';
import { hostname, networkInterfaces } from 'node:os';
import { ClusterConfigError } from './cluster.errors.js';
import { CLUSTER_MESSAGES } from './cluster.messages.js';

export type { ClusterCallsOptions, ClusterOptions, MemberInfo } from '../interfaces/cluster.interface.js';

/** A singleton (no `partitions`) or a unit partitioned into `partitions` leases. */
export interface ClusterUnitSpec {
  /** `[A-Za-z0-9_.:/-]{1,200}`, e.g. a tree path `root/Billing/Reconciler`. Unique. */
  readonly name: string;
  /** 1..1024: partition p of the unit is its own lease. Absent: a singleton. */
  readonly partitions?: number;
}

export const CLUSTER_DEFAULTS = {
  namespace: 'supertrees',
  leaseTtlMs: 10_000,
  renewIntervalMs: 2_000,
  safetyMarginMs: 1_000,
  commandTimeoutMs: 1_000,
  requireRedisAtStart: false,
  /** Bounds, also used by the validation. */
  minLeaseTtlMs: 1_000,
  maxLeaseTtlMs: 600_000,
  minRenewIntervalMs: 50,
  minCommandTimeoutMs: 50,
  maxCommandTimeoutMs: 60_000,
  maxPartitions: 1024,
  maxMemberInfoBytes: 1024,
  maxMemberInfoFields: 32,
  calls: { transport: 'redis', host: '0.0.0.0', port: 0, minSecretLength: 32, maxSecretLength: 1024, handshakeMs: 3_000, maxPendingHandshakes: 64, keepAliveMs: 10_000 },
} as const;

export const NAMESPACE_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
export const MEMBER_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
export const UNIT_NAME_PATTERN = /^[A-Za-z0-9_.:/-]{1,200}$/;
/** A host name or an IPv4/IPv6 address as text (no brackets, no port). Also what an address read from Redis must be. */
export const HOST_PATTERN = /^[A-Za-z0-9_.:-]{1,253}$/;

/**
 * `cluster.calls` with its defaults applied (the same shape as the option, so resolving twice changes
 * nothing): nothing to open for `'redis'`; where to listen and what to publish for `'direct'`.
 */
export type ResolvedCallsOptions =
  | { readonly transport: 'redis' }
  | { readonly transport: 'direct'; readonly listen: { readonly host: string; readonly port: number }; readonly advertise: string; readonly secret?: string };

/** The options with every default applied and every rule checked: what the node runs on. */
export interface ResolvedClusterOptions {
  readonly redis: string | Redis;
  readonly namespace: string;
  readonly memberId: string;
  readonly memberInfo: MemberInfo;
  readonly leaseTtlMs: number;
  readonly renewIntervalMs: number;
  readonly safetyMarginMs: number;
  readonly commandTimeoutMs: number;
  readonly requireRedisAtStart: boolean;
  readonly logger: LoggerService | false | undefined;
  readonly calls: ResolvedCallsOptions;
}

const fail = (option: string, problem: string): never => {
  throw new ClusterConfigError(CLUSTER_MESSAGES.invalidOption(option, problem), option);
};

function integer(value: unknown, option: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) fail(option, `must be an integer (got ${String(value)})`);
  if ((value as number) < min || (value as number) > max) fail(option, `must be between ${min} and ${max} (got ${value})`);
  return value as number;
}

function isIoredisClient(value: unknown): value is Redis {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { evalsha?: unknown }).evalsha === 'function' &&
    typeof (value as { status?: unknown }).status === 'string'
  );
}

/** Applies the defaults and checks every option once; throws `ClusterConfigError` naming the option. */
export function resolveClusterOptions(options: ClusterOptions | undefined): ResolvedClusterOptions {
  if (!options || typeof options !== 'object') throw new ClusterConfigError(CLUSTER_MESSAGES.noRedis(), 'redis');
  const { redis } = options;
  if (redis === undefined || redis === null || redis === '') {
    throw new ClusterConfigError(CLUSTER_MESSAGES.noRedis(), 'redis');
  }
  if (typeof redis === 'string') {
    if (!/^rediss?:\/\/./.test(redis)) fail('redis', `must be a redis:// or rediss:// URL (got "${redis}")`);
  } else if ((redis as { isCluster?: unknown }).isCluster === true) {
    throw new ClusterConfigError(CLUSTER_MESSAGES.clusterClient(), 'redis');
  } else if (!isIoredisClient(redis)) {
    fail('redis', 'must be an ioredis client or a redis:// URL');
  }
  const d = CLUSTER_DEFAULTS;
  const namespace = options.namespace ?? d.namespace;
  if (typeof namespace !== 'string' || !NAMESPACE_PATTERN.test(namespace)) {
    fail('namespace', `must match ${NAMESPACE_PATTERN} (got ${JSON.stringify(namespace)})`);
  }
  const memberId = options.memberId ?? `${hostname().replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64)}-${process.pid}-${randomBytes(4).toString('hex')}`;
  if (typeof memberId !== 'string' || !MEMBER_ID_PATTERN.test(memberId)) {
    fail('memberId', `must match ${MEMBER_ID_PATTERN} (got ${JSON.stringify(memberId)})`);
  }
  const memberInfo = options.memberInfo ?? {};
  checkMemberInfo(memberInfo);
  const leaseTtlMs = integer(options.leaseTtlMs ?? d.leaseTtlMs, 'leaseTtlMs', d.minLeaseTtlMs, d.maxLeaseTtlMs);
  const renewIntervalMs = integer(options.renewIntervalMs ?? d.renewIntervalMs, 'renewIntervalMs', d.minRenewIntervalMs, d.maxLeaseTtlMs);
  if (renewIntervalMs * 3 >= leaseTtlMs) {
    fail('renewIntervalMs', `must be less than leaseTtlMs / 3 (${renewIntervalMs} >= ${leaseTtlMs} / 3)`);
  }
  const safetyMarginMs = integer(options.safetyMarginMs ?? d.safetyMarginMs, 'safetyMarginMs', 0, d.maxLeaseTtlMs);
  if (leaseTtlMs - safetyMarginMs <= 2 * renewIntervalMs) {
    fail('safetyMarginMs', `leaves no time for two renewals: leaseTtlMs - safetyMarginMs (${leaseTtlMs - safetyMarginMs}) must exceed 2 x renewIntervalMs (${2 * renewIntervalMs})`);
  }
  const commandTimeoutMs = integer(options.commandTimeoutMs ?? d.commandTimeoutMs, 'commandTimeoutMs', d.minCommandTimeoutMs, d.maxCommandTimeoutMs);
  if (commandTimeoutMs > renewIntervalMs) {
    fail('commandTimeoutMs', `must not exceed renewIntervalMs (${commandTimeoutMs} > ${renewIntervalMs})`);
  }
  const requireRedisAtStart = options.requireRedisAtStart ?? d.requireRedisAtStart;
  if (typeof requireRedisAtStart !== 'boolean') fail('requireRedisAtStart', 'must be a boolean');
  const logger = options.logger;
  if (logger !== undefined && logger !== false && (typeof logger !== 'object' || typeof logger.log !== 'function')) {
    fail('logger', 'must be a LoggerService or false');
  }
  const calls = resolveCalls(options.calls);
  // Checked above to be a URL or an ioredis client (`RedisClient` is its structural public type).
  return { redis: redis as string | Redis, namespace, memberId, memberInfo, leaseTtlMs, renewIntervalMs, safetyMarginMs, commandTimeoutMs, requireRedisAtStart, logger, calls };
}

function resolveCalls(calls: ClusterCallsOptions | undefined): ResolvedCallsOptions {
  const d = CLUSTER_DEFAULTS.calls;
  if (calls === undefined) return { transport: 'redis' };
  if (typeof calls !== 'object' || calls === null || Array.isArray(calls)) fail('calls', 'must be an object { transport, listen?, advertise?, secret? }');
  const transport = calls.transport ?? d.transport;
  if (transport !== 'redis' && transport !== 'direct') fail('calls.transport', `must be 'redis' or 'direct' (got ${JSON.stringify(transport)})`);
  if (transport === 'redis') {
    for (const key of ['listen', 'advertise', 'secret'] as const) if (calls[key] !== undefined) fail(`calls.${key}`, "applies only with transport 'direct'");
    return { transport };
  }
  const listen = calls.listen ?? {};
  if (typeof listen !== 'object' || listen === null || Array.isArray(listen)) fail('calls.listen', 'must be an object { host?, port? }');
  const host = listen.host ?? d.host;
  if (typeof host !== 'string' || !HOST_PATTERN.test(host)) fail('calls.listen.host', `must be a host name or an IP address (got ${JSON.stringify(host)})`);
  const port = integer(listen.port ?? d.port, 'calls.listen.port', 0, 65_535);
  const advertise = calls.advertise ?? defaultAdvertise(host);
  if (typeof advertise !== 'string' || !HOST_PATTERN.test(advertise) || isWildcard(advertise)) {
    fail('calls.advertise', `must be a host name or an IP address other replicas can reach (got ${JSON.stringify(advertise)})`);
  }
  const secret = calls.secret;
  if (secret !== undefined && (typeof secret !== 'string' || secret.length < d.minSecretLength || secret.length > d.maxSecretLength)) {
    fail('calls.secret', `must be a string of ${d.minSecretLength} to ${d.maxSecretLength} characters`);
  }
  const resolved = { transport, listen: { host, port }, advertise: advertise as string };
  return secret === undefined ? resolved : { ...resolved, secret };
}

const isWildcard = (host: string) => host === '0.0.0.0' || host === '::';

/** `listen.host` when it names one address; else the first non-internal IPv4 address here, or loopback. */
function defaultAdvertise(host: unknown): unknown {
  if (typeof host !== 'string' || !isWildcard(host)) return host;
  for (const addresses of Object.values(networkInterfaces())) {
    const found = addresses?.find((a) => a.family === 'IPv4' && !a.internal);
    if (found) return found.address;
  }
  return '127.0.0.1';
}

function checkMemberInfo(info: unknown): void {
  if (typeof info !== 'object' || info === null || Array.isArray(info)) fail('memberInfo', 'must be a plain object');
  const entries = Object.entries(info as object);
  if (entries.length > CLUSTER_DEFAULTS.maxMemberInfoFields) {
    fail('memberInfo', `has ${entries.length} fields; at most ${CLUSTER_DEFAULTS.maxMemberInfoFields}`);
  }
  for (const [key, value] of entries) {
    const t = typeof value;
    if (t !== 'string' && t !== 'boolean' && !(t === 'number' && Number.isFinite(value))) {
      fail(`memberInfo.${key}`, `must be a string, a finite number or a boolean (got ${t})`);
    }
  }
  const bytes = Buffer.byteLength(JSON.stringify(info));
  if (bytes > CLUSTER_DEFAULTS.maxMemberInfoBytes) {
    fail('memberInfo', `is ${bytes} bytes as JSON; at most ${CLUSTER_DEFAULTS.maxMemberInfoBytes}`);
  }
}

/** Checks the units a node may hold; throws `ClusterConfigError` naming the unit. */
export function validateUnits(units: readonly ClusterUnitSpec[]): readonly ClusterUnitSpec[] {
  if (!Array.isArray(units)) throw new ClusterConfigError(CLUSTER_MESSAGES.invalidUnit(0, 'units must be an array'), 'units');
  const seen = new Set<string>();
  units.forEach((unit, index) => {
    const bad = (problem: string): never => {
      throw new ClusterConfigError(CLUSTER_MESSAGES.invalidUnit(index, problem), `units[${index}]`);
    };
    if (typeof unit !== 'object' || unit === null) bad('must be an object { name, partitions? }');
    if (typeof unit.name !== 'string' || !UNIT_NAME_PATTERN.test(unit.name)) {
      bad(`has a name that must match ${UNIT_NAME_PATTERN} (got ${JSON.stringify(unit.name)})`);
    }
    if (unit.partitions !== undefined) {
      const p = unit.partitions;
      if (typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > CLUSTER_DEFAULTS.maxPartitions) {
        bad(`("${unit.name}") has partitions that must be an integer between 1 and ${CLUSTER_DEFAULTS.maxPartitions} (got ${String(p)})`);
      }
    }
    if (seen.has(unit.name)) throw new ClusterConfigError(CLUSTER_MESSAGES.duplicateUnit(unit.name), `units[${index}]`);
    seen.add(unit.name);
  });
  return units;
}
