// What the cluster figures share: a redis-server of the figure's own (the test suite's helper: a free
// port, a temp dir, killed after), and cluster members as real processes that report their units over IPC.
import type { ChildProcess } from 'node:child_process';
import { assignUnits, type ClusterUnitSpec } from '#supertrees/cluster';
import { redisAvailable, RedisServer } from '../../test/helpers/redis-server.js';
import type { MemberConfig, MemberMessage } from '../fixtures/cluster-member.js';
import { exited, fixture, forkTracked } from './processes.js';
import { sleep } from './stats.js';

/** Lease timing of every cluster figure: short, so that a figure takes seconds; within the bounds the options check. */
export const TIMING = { leaseTtlMs: 3_000, renewIntervalMs: 500, safetyMarginMs: 800, commandTimeoutMs: 500 } as const;
export const TIMING_TEXT = `leaseTtlMs ${TIMING.leaseTtlMs}, renewIntervalMs ${TIMING.renewIntervalMs}, safetyMarginMs ${TIMING.safetyMarginMs}`;

/** Runs `body` with a redis-server of its own; fails the figure (does not skip it) when there is no redis-server. */
export async function withRedis<T>(body: (server: RedisServer) => Promise<T>): Promise<T> {
  if (!redisAvailable()) throw new Error('redis-server not found: the cluster figures need it (apt-get install redis-server)');
  const server = await RedisServer.start();
  try {
    return await body(server);
  } finally {
    await server.close();
  }
}

export const memberConfig = (redis: string, namespace: string, memberId: string, units: readonly ClusterUnitSpec[]): MemberConfig => ({
  options: { redis, namespace, memberId, ...TIMING },
  units,
});

/** One member process, and the units it runs now by its own start/stop reports. */
export class Member {
  readonly running = new Map<string, number>();
  /** performance.now() when each unit's latest start report arrived. */
  readonly startedAt = new Map<string, number>();
  ready = false;
  private readonly child: ChildProcess;

  constructor(
    readonly id: string,
    config: MemberConfig,
    /** Sees every report as it arrives (e.g. to note the moment a condition becomes true). */
    onReport: (member: string, message: MemberMessage) => void = () => undefined,
    script = 'cluster-member',
  ) {
    this.child = forkTracked(fixture(script), [], { env: { ...process.env, CLUSTER_MEMBER: JSON.stringify(config) } });
    this.child.on('message', (m: MemberMessage) => {
      if (m.t === 'ready') this.ready = true;
      if (m.t === 'start') {
        this.running.set(m.unit, m.token);
        this.startedAt.set(m.unit, performance.now());
      }
      if (m.t === 'stop') this.running.delete(m.unit);
      onReport(id, m);
    });
  }

  /** SIGKILL: no release, no leave; its leases and its heartbeat expire in Redis. */
  async kill(): Promise<void> {
    const done = exited(this.child);
    this.child.kill('SIGKILL');
    await done;
  }

  /** Orderly stop (units stopped, leases released, membership left); SIGKILL after 20 s. */
  async stop(): Promise<void> {
    const done = exited(this.child);
    if (!this.child.connected) return done;
    this.child.send({ t: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    await done;
    clearTimeout(timer);
  }
}

/** Polls `check` every 10 ms until it holds; rejects after `timeoutMs` naming `what`. */
export async function until(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/**
 * Whether every unit runs exactly once, on the member rendezvous hashing gives it among `members`:
 * the spread is final. Kept up to date report by report, so `doneAt` is the moment it became true.
 */
export class SpreadTracker {
  private readonly owners: Map<string, string | undefined>;
  private readonly holders = new Map<string, Set<string>>();
  private ok = 0;
  doneAt?: number;

  constructor(unitIds: readonly string[], members: readonly string[]) {
    this.owners = assignUnits(unitIds, members);
    for (const id of unitIds) this.holders.set(id, new Set());
  }

  get done(): boolean {
    return this.ok === this.owners.size;
  }

  readonly report = (member: string, m: MemberMessage): void => {
    if (m.t !== 'start' && m.t !== 'stop') return;
    const set = this.holders.get(m.unit);
    if (!set) return;
    const before = this.isOk(m.unit, set);
    if (m.t === 'start') set.add(member);
    else set.delete(member);
    this.ok += Number(this.isOk(m.unit, set)) - Number(before);
    if (this.done) this.doneAt ??= performance.now();
    else this.doneAt = undefined;
  };

  private isOk(unit: string, set: Set<string>): boolean {
    return set.size === 1 && set.has(this.owners.get(unit)!);
  }
}

/** The lease ids of a unit partitioned into `partitions`. */
export const partitionIds = (name: string, partitions: number): string[] => Array.from({ length: partitions }, (_, p) => `${name}#${p}`);
