import { afterAll, afterEach, beforeAll, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import {
  CLUSTER_MESSAGES,
  ClusterDataError,
  ClusterNode,
  ClusterRedisError,
  ClusterRouter,
  readClusterView,
  type ClusterEvent,
  type ClusterOptions,
  type ClusterUnitSpec,
  type UnitHost,
  type UnitRef,
  type UnitStart,
} from '#supertrees/cluster';
import { waitFor } from './helpers/cluster-replicas.js';
import { freePort, RedisServer } from './helpers/redis-server.js';
import { redisDescribe } from './helpers/redis-suite.js';
import { LineLogger } from './helpers/cluster-members.js';
import { resourceCounts, resourcesSettled } from './helpers/run-probes.js';

const suite = redisDescribe();

// Generous for a loaded 2-core machine: a renewal may take a few hundred ms there.
const TTL_MS = 4_000;
const RENEW_MS = 500;
const MARGIN_MS = 1_000;

/** A UnitHost that keeps what it runs, as the supervision runtime will. */
class RecordingHost implements UnitHost {
  readonly running = new Map<string, UnitStart>();
  readonly log: { at: number; what: 'start' | 'stop'; unit: string; detail: string | number }[] = [];
  async start(unit: UnitRef, start: UnitStart): Promise<void> {
    this.running.set(unit.id, start);
    this.log.push({ at: Date.now(), what: 'start', unit: unit.id, detail: start.fencingToken });
  }
  async stop(unit: UnitRef, reason: string): Promise<void> {
    this.running.delete(unit.id);
    this.log.push({ at: Date.now(), what: 'stop', unit: unit.id, detail: reason });
  }
}

suite('ClusterNode in this process (real redis-server)', () => {
  let redis: RedisServer;
  let admin: Redis;
  let nodes: ClusterNode[] = [];
  let run = 0;

  beforeAll(async () => {
    redis = await RedisServer.start();
    admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  });
  afterEach(async () => {
    redis.resume();
    await Promise.all(nodes.map((n) => n.stop()));
    nodes = [];
  });
  afterAll(async () => {
    admin?.disconnect();
    await redis?.close();
  });

  const node = (units: ClusterUnitSpec[], extra: Partial<ClusterOptions> = {}) => {
    run += 1;
    const host = new RecordingHost();
    const logger = new LineLogger();
    const n = new ClusterNode(
      { redis: redis.url, namespace: `node${run}`, memberId: `m${run}`, leaseTtlMs: TTL_MS, renewIntervalMs: RENEW_MS, safetyMarginMs: MARGIN_MS, commandTimeoutMs: RENEW_MS, logger, ...extra },
      units,
      host,
    );
    nodes.push(n);
    const events: ClusterEvent[] = [];
    n.events$.subscribe((e) => events.push(e));
    return { n, host, logger, events };
  };

  it('stopped while Redis is gone (its clients reconnecting), node and router leave no handle or timer behind', async () => {
    const before = resourceCounts();
    const own = await RedisServer.start();
    const options = { redis: own.url, namespace: 'gone', memberId: 'g1', leaseTtlMs: TTL_MS, renewIntervalMs: RENEW_MS, safetyMarginMs: MARGIN_MS, commandTimeoutMs: RENEW_MS, logger: new LineLogger() };
    const n = new ClusterNode(options, [{ name: 'Solo' }], new RecordingHost());
    const router = new ClusterRouter(n, async () => undefined, { logger: false });
    try {
      await n.start();
      await router.start();
      await waitFor(() => n.holds('Solo'), 'it holds its unit');
    } finally {
      await own.close();
    }
    // Both of its connections are now reconnecting. ioredis's own disconnect arms a 2 s timer on a
    // socket already closed; the library's clients bound it, so nothing may be left one second on.
    await new Promise((resolve) => setTimeout(resolve, 2 * RENEW_MS));
    await router.stop();
    await n.stop();
    expect(await resourcesSettled(before, 1_000)).toEqual({});
  });

  it('renews all its leases in one command per interval, however many it holds', async () => {
    const { n, host } = node([{ name: 'Consumer', partitions: 200 }]);
    await n.start();
    await waitFor(() => host.running.size === 200, 'all 200 partitions running', 20_000);
    await admin.config('RESETSTAT');
    const from = Date.now();
    await new Promise((r) => setTimeout(r, 2_000));
    const stats = await admin.info('commandstats');
    const elapsed = Date.now() - from;
    const calls = (name: string) => Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
    const scripts = calls('evalsha') + calls('eval');
    expect(scripts).toBeGreaterThanOrEqual(1);
    // One per renewal interval (plus one for a tick straddling the window); 200 leases would be 200 a tick otherwise.
    expect(scripts).toBeLessThanOrEqual(Math.ceil(elapsed / RENEW_MS) + 1);
    // Redis counts the commands a script runs too: each of those calls renewed all 200 leases.
    expect(calls('pexpire')).toBe(200 * scripts);
    expect(host.running.size).toBe(200);
  });

  it('stops a unit at its deadline, measured from before the renewal was sent, when Redis stops answering', async () => {
    const { n, host, logger, events } = node([{ name: 'Reconciler' }]);
    await n.start();
    await waitFor(() => host.running.size === 1, 'the singleton runs', 10_000);
    const lease = host.running.get('Reconciler')!.lease;
    expect(lease.stillHolds()).toBe(true);
    // Its deadline is never further away than TTL - margin from the send time of the last renewal.
    expect(lease.remainingMs()).toBeLessThanOrEqual(TTL_MS - MARGIN_MS);
    const pausedAt = Date.now();
    redis.pause();
    await waitFor(() => !lease.stillHolds(), 'stillHolds() turns false', 10_000);
    const falseAt = Date.now();
    await waitFor(() => host.running.size === 0, 'the unit is stopped', 10_000);
    // The last renewal was sent before the pause: its deadline is at most TTL - margin after it.
    expect(falseAt - pausedAt).toBeLessThan(TTL_MS - MARGIN_MS + 500);
    expect(lease.signal.aborted).toBe(true);
    expect(host.log.at(-1)).toEqual(expect.objectContaining({ what: 'stop', detail: 'lease-lost' }));
    expect(events.find((e) => e.type === 'lease-lost')).toEqual(expect.objectContaining({ unit: 'Reconciler', cause: 'expired' }));
    expect(logger.lines.filter((l) => l.includes('Redis unreachable'))).toHaveLength(1);
    redis.resume();
    await waitFor(() => host.running.size === 1, 'the singleton runs again', 15_000);
    expect(host.running.get('Reconciler')!.fencingToken).toBeGreaterThan(lease.fencingToken);
    expect(logger.lines.filter((l) => l.includes('Redis reachable again'))).toHaveLength(1);
  });

  it('starts without Redis by default, logs it once, and acquires once Redis answers', async () => {
    const port = await freePort();
    const { n, host, logger } = node([{ name: 'Reconciler' }], { redis: `redis://127.0.0.1:${port}` });
    await n.start();
    await new Promise((r) => setTimeout(r, 4 * RENEW_MS));
    expect(host.running.size).toBe(0);
    expect(logger.lines.filter((l) => l.startsWith('warn Redis unreachable'))).toHaveLength(1);
    const late = await RedisServer.start(port);
    try {
      await waitFor(() => host.running.size === 1, 'the singleton runs once Redis is there', 20_000);
    } finally {
      await n.stop();
      await late.close();
    }
  });

  it('with requireRedisAtStart, start() rejects with a ClusterRedisError when Redis cannot be reached', async () => {
    const port = await freePort();
    const { n, events } = node([{ name: 'Reconciler' }], { redis: `redis://127.0.0.1:${port}`, requireRedisAtStart: true });
    const error = await n.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterRedisError);
    expect((error as Error).message).toContain('Redis is unreachable at start (requireRedisAtStart: true)');
    expect(events).toEqual([]);
  });

  it('a stop() during start() waits for it and leaves nothing running; start() twice is refused', async () => {
    const { n, host } = node([{ name: 'Reconciler' }]);
    const starting = n.start();
    await n.stop();
    await starting;
    expect(host.running.size).toBe(0);
    expect(n.localView().every((u) => u.phase === 'free')).toBe(true);
    await expect(n.start()).rejects.toThrow(CLUSTER_MESSAGES.startedTwice());
  });

  it('reports garbage under its keys as a ClusterDataError, and keeps running', async () => {
    const { n, host, logger } = node([{ name: 'Reconciler' }]);
    await n.start();
    await waitFor(() => host.running.size === 1, 'the singleton runs', 10_000);
    await admin.hset(`{node${run}}:members:info`, 'intruder', 'function() { return 1 }');
    await admin.zadd(`{node${run}}:members`, Date.now() + 60_000, 'intruder');
    const error = await n.view().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterDataError);
    expect((error as Error).message).toBe(CLUSTER_MESSAGES.garbage('member intruder info', 'not JSON: "function() { return 1 }"'));
    await admin.zrem(`{node${run}}:members`, 'intruder');
    await waitFor(() => host.running.size === 1, 'the singleton runs', 15_000);
    expect(logger.lines.filter((l) => l.startsWith('error'))).toEqual([]);
  });

  it('on stop(), stops its units, releases their leases, leaves the membership and completes events$', async () => {
    const { n, host, events, logger } = node([{ name: 'Reconciler' }, { name: 'Consumer', partitions: 3 }]);
    await n.start();
    await waitFor(() => host.running.size === 4, 'all 4 units run', 10_000);
    const token = host.running.get('Reconciler')!.fencingToken;
    let completed = false;
    n.events$.subscribe({ complete: () => (completed = true) });
    await n.stop();
    expect(host.running.size).toBe(0);
    expect(host.log.filter((l) => l.what === 'stop').map((l) => l.detail)).toEqual(['shutdown', 'shutdown', 'shutdown', 'shutdown']);
    expect(completed).toBe(true);
    // Closing its own connection is not an outage.
    expect(logger.lines.filter((l) => !l.startsWith('log'))).toEqual([]);
    expect(events.map((e) => e.type)).toEqual(['member-joined', ...Array(4).fill('lease-acquired'), ...Array(4).fill('lease-released')]);
    expect(events.find((e) => e.type === 'lease-released' && e.unit === 'Reconciler')).toEqual(expect.objectContaining({ token, reason: 'shutdown' }));
    // Read from outside: no member, no holder, and the token history kept.
    const view = await readClusterView(admin, [{ name: 'Reconciler' }, { name: 'Consumer', partitions: 3 }], { namespace: `node${run}` });
    expect(view.members).toEqual([]);
    expect(view.leases.every((l) => l.holder === null && l.token === null)).toBe(true);
    expect(view.leases.find((l) => l.unit === 'Reconciler')).toEqual(expect.objectContaining({ lastToken: token }));
  });
});
