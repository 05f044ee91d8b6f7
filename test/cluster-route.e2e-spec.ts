// Routed calls and casts between replicas, and the cluster view's trees and events, through a real
// redis-server of the test's own: members in this process (each its own Redis connections, so every
// routed call really goes through Redis pub/sub) and, where a holder must die, replica processes.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import {
  CLUSTER_VIEW_LIMITS,
  ClusterNoOwnerError,
  ClusterNode,
  ClusterRedisError,
  ClusterRouter,
  clusterKeys,
  ownerOf,
  partitionOf,
  unitForCall,
  type ClusterUnitSpec,
  type LocalDispatch,
  type UnitHost,
} from '#supertrees/cluster';
import { CallRejectedError, CallTimeoutError, InvalidMessageError } from '#supertrees';
import { useClusterRig, waitFor } from './helpers/cluster-replicas.js';
import { RedisServer } from './helpers/redis-server.js';
import { redisDescribe } from './helpers/redis-suite.js';
import { holderKilled, LineLogger, NullHost } from './helpers/cluster-members.js';
import { memberIds } from './helpers/cluster-replicas.js';

const suite = redisDescribe();

// Generous for a loaded 2-core machine.
const TTL_MS = 3_000;
const RENEW_MS = 400;
const MARGIN_MS = 800;
const ECHO = 'root/Echo';
const SHARD = 'root/Shard';
const UNITS: ClusterUnitSpec[] = [{ name: ECHO }, { name: SHARD, partitions: 8 }];
const UNIT_IDS = [ECHO, ...Array.from({ length: 8 }, (_, p) => `${SHARD}#${p}`)];
const KEYS = ['order-1', 'order-2', 'order-3', 17, 'customer-99', 'x'];
const KEYED = new Set(KEYS.map((k) => `${SHARD}#${partitionOf(k, 8)}`));

interface Member {
  readonly id: string;
  readonly node: ClusterNode;
  readonly router: ClusterRouter;
  readonly logger: LineLogger;
  /** What its units were dispatched, in order. */
  readonly seen: { unit: string; kind: string; message: unknown }[];
}

/** Answers `{ member, unit, message }`; `{ fail }` throws as a worker's handle() would; `{ sleepMs }` answers late. */
const echo =
  (id: string, seen: Member['seen']): LocalDispatch =>
  async (unit, kind, message, timeoutMs) => {
    seen.push({ unit: unit.id, kind, message });
    const m = message as { fail?: string; sleepMs?: number; big?: number };
    if (m?.fail) throw new CallRejectedError(unit.name, new Error(m.fail));
    if (m?.sleepMs) await new Promise((r) => setTimeout(r, m.sleepMs));
    if (m?.big) return 'x'.repeat(m.big);
    return { member: id, unit: unit.id, partition: unit.partition ?? null, timeoutMs: Math.round(timeoutMs), message };
  };

suite('cluster: routed calls between members in this process (real redis-server)', () => {
  let redis: RedisServer;
  let admin: Redis;
  let members: Member[] = [];
  const namespace = 'route';
  // A's rendezvous share is nothing of Echo, so Echo is B's: A's calls to it go through Redis.
  // A holds some unit, and B a partition no test calls before the 'not-owner' one (so A has no cached holder for it).
  const [A, B] = memberIds(
    'm',
    2,
    (ids) => ownerOf(ECHO, ids) === ids[1] && UNIT_IDS.some((u) => ownerOf(u, ids) === ids[0]) && UNIT_IDS.some((u) => u !== ECHO && !KEYED.has(u) && ownerOf(u, ids) === ids[1]),
  );

  const member = async (id: string, tree?: () => unknown): Promise<Member> => {
    const logger = new LineLogger();
    const seen: Member['seen'] = [];
    const node = new ClusterNode(
      { redis: redis.url, namespace, memberId: id, leaseTtlMs: TTL_MS, renewIntervalMs: RENEW_MS, safetyMarginMs: MARGIN_MS, commandTimeoutMs: RENEW_MS, logger },
      UNITS,
      new NullHost(),
    );
    node.publishTree(tree);
    const router = new ClusterRouter(node, echo(id, seen), { logger, maxMessageBytes: 64 * 1024 });
    await node.start();
    await router.start();
    const m = { id, node, router, logger, seen };
    members.push(m);
    return m;
  };
  const byId = (id: string) => members.find((m) => m.id === id)!;
  const allPlaced = () => UNIT_IDS.every((u) => byId(ownerOf(u, [A, B])!).node.holds(u));

  beforeAll(async () => {
    redis = await RedisServer.start();
    admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    await member(A, () => ({ path: 'root', member: A }));
    await member(B, () => ({ path: 'root', member: B }));
    // A fresh unit is granted one TTL after its fence record is created (see the acquire script).
    await waitFor(allPlaced, 'every unit held by its rendezvous owner', 20_000);
  }, 40_000);
  afterAll(async () => {
    redis?.resume();
    for (const m of members) await m.router.stop();
    await Promise.all(members.map((m) => m.node.stop()));
    members = [];
    admin?.disconnect();
    await redis?.close();
  });

  it('takes a call from one member to the unit on another, and brings the reply back', async () => {
    const a = byId(A);
    const sent = a.router.stats.sent;
    const reply = await a.router.call({ id: ECHO, name: ECHO }, { hello: 'world' }, { timeoutMs: 2_000 });
    expect(reply).toEqual({ member: B, unit: ECHO, partition: null, timeoutMs: expect.any(Number), message: { hello: 'world' } });
    expect(a.router.stats.sent).toBe(sent + 1);
    expect(byId(B).seen.at(-1)).toEqual({ unit: ECHO, kind: 'call', message: { hello: 'world' } });
  });

  it('dispatches a call to a unit held here locally, without a Redis hop', async () => {
    const b = byId(B);
    const sent = b.router.stats.sent;
    const lookups = b.router.stats.lookups;
    await expect(b.router.call({ id: ECHO, name: ECHO }, 1, { timeoutMs: 1_000 })).resolves.toMatchObject({ member: B });
    expect([b.router.stats.sent, b.router.stats.lookups]).toEqual([sent, lookups]);
  });

  it('looks the holder up once and then uses the cached one', async () => {
    const a = byId(A);
    await a.router.call({ id: ECHO, name: ECHO }, 0, { timeoutMs: 2_000 });
    const lookups = a.router.stats.lookups;
    for (let i = 0; i < 5; i++) await a.router.call({ id: ECHO, name: ECHO }, i, { timeoutMs: 2_000 });
    expect(a.router.stats.lookups).toBe(lookups);
  });

  it("brings the holder's error back as the same typed error a local call rejects with", async () => {
    const error = await byId(A).router.call({ id: ECHO, name: ECHO }, { fail: 'out of stock' }, { timeoutMs: 2_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallRejectedError);
    expect(error).toMatchObject({ path: ECHO, message: expect.stringContaining('out of stock') });
  });

  it('refuses what is not data before sending, and a reply too large on the holder, typed', async () => {
    const a = byId(A);
    const sent = a.router.stats.sent;
    await expect(a.router.call({ id: ECHO, name: ECHO }, { at: () => 1 }, { timeoutMs: 1_000 })).rejects.toBeInstanceOf(InvalidMessageError);
    expect(a.router.stats.sent).toBe(sent);
    const error = await a.router.call({ id: ECHO, name: ECHO }, { big: 100_000 }, { timeoutMs: 2_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidMessageError);
    expect(error).toMatchObject({ path: ECHO, field: 'reply' });
  });

  it('delivers a cast, and resolves once the holder took it', async () => {
    await byId(A).router.cast({ id: ECHO, name: ECHO }, { event: 'paid' });
    expect(byId(B).seen.at(-1)).toEqual({ unit: ECHO, kind: 'cast', message: { event: 'paid' } });
  });

  it("sends a key to the member holding its partition, by the pools' key rule", async () => {
    for (const key of KEYS) {
      const unit = unitForCall(SHARD, 8, key);
      expect(unit.partition).toBe(partitionOf(key, 8));
      const owner = ownerOf(unit.id, [A, B])!;
      for (const caller of [A, B]) {
        await expect(byId(caller).router.call(unit, { key }, { timeoutMs: 2_000 })).resolves.toMatchObject({ member: owner, unit: unit.id, partition: unit.partition });
      }
    }
  });

  it('times a call out with the typed timeout error, and drops the reply that comes after', async () => {
    const a = byId(A);
    const late = a.router.stats.lateReplies;
    const started = Date.now();
    const error = await a.router.call({ id: ECHO, name: ECHO }, { sleepMs: 600 }, { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallTimeoutError);
    expect(error).toMatchObject({ path: ECHO, timeoutMs: 200, state: 'handling' });
    expect(Date.now() - started).toBeLessThan(1_500);
    await waitFor(() => a.router.stats.lateReplies === late + 1, 'the late reply counted', 5_000);
    expect(a.router.inFlight).toBe(0);
  });

  it('rejects garbage on an inbox without dispatching it, counts it and logs it once', async () => {
    const b = byId(B);
    const garbage = b.router.stats.garbage;
    const seen = b.seen.length;
    const inbox = clusterKeys(namespace).inbox(B);
    const forged = [
      'not json',
      '{"v":1,"t":"req","id":"x","from":"m","unit":"root/Echo","kind":"eval","timeoutMs":5,"message":1}',
      JSON.stringify({ v: 1, t: 'req', id: 'y', from: A, unit: ECHO, kind: 'call', timeoutMs: 1_000, message: 'z'.repeat(200_000) }),
    ];
    for (const text of forged) expect(await admin.publish(inbox, text)).toBe(1);
    await waitFor(() => b.router.stats.garbage === garbage + forged.length, 'every forged message counted', 5_000);
    expect(b.seen.length).toBe(seen);
    expect(b.logger.lines.filter((l) => l.includes('malformed message'))).toHaveLength(1);
  });

  it('drops a reply for no call waiting (forged or duplicated): never a second answer', async () => {
    const a = byId(A);
    const late = a.router.stats.lateReplies;
    await admin.publish(clusterKeys(namespace).inbox(A), JSON.stringify({ v: 1, t: 'rep', id: 'feed.1', r: 'ok', value: 'forged' }));
    await waitFor(() => a.router.stats.lateReplies === late + 1, 'the forged reply counted', 5_000);
  });

  it('says nobody holds a unit whose lease names a member with no live router, after one fresh lookup', async () => {
    const a = byId(A);
    const unit = { id: ECHO, name: ECHO };
    const key = clusterKeys(namespace).lease(unit);
    const saved = await admin.hgetall(key);
    const pttl = await admin.pttl(key);
    await admin.hset(key, 'owner', 'nobody-here');
    const lookups = a.router.stats.lookups;
    const error = await a.router.call(unit, 1, { timeoutMs: 2_000 }).catch((e: unknown) => e);
    await admin.hset(key, saved);
    if (pttl > 0) await admin.pexpire(key, pttl);
    expect(error).toBeInstanceOf(ClusterNoOwnerError);
    expect(error).toMatchObject({ unit: ECHO, path: ECHO, why: 'holder-gone' });
    expect(a.router.stats.lookups).toBe(lookups + 2);
    // Nothing wrong stays cached: calls reach B again (once B's lease is its own again, if a renewal saw the change).
    await waitFor(() => a.router.call(unit, 2, { timeoutMs: 1_000 }).then((r) => (r as { member: string }).member === B, () => false), 'B answers again', 20_000);
  }, 30_000);

  it("answers 'not-owner' to a request for a unit it does not hold, and dispatches nothing", async () => {
    const [a, b] = [byId(A), byId(B)];
    const mine = UNIT_IDS.find((u) => ownerOf(u, [A, B]) === A)!;
    const refused = b.router.stats.refused;
    const late = a.router.stats.lateReplies;
    const seen = b.seen.length;
    // A request as A's router would send it, but to B, which does not hold the unit: the answer goes to A's inbox.
    const request = { v: 1, t: 'req', id: 'feed.2', from: A, unit: mine, kind: 'call', timeoutMs: 1_000, message: 1 };
    expect(await admin.publish(clusterKeys(namespace).inbox(B), JSON.stringify(request))).toBe(1);
    await waitFor(() => b.router.stats.refused === refused + 1 && a.router.stats.lateReplies === late + 1, 'refused, and the answer reached A', 5_000);
    expect(b.seen.length).toBe(seen);
  });

  it("rejects with ClusterNoOwnerError 'not-owner' when the lease names this member but it does not hold the unit", async () => {
    const a = byId(A);
    const part = UNIT_IDS.find((u) => u !== ECHO && !KEYED.has(u) && ownerOf(u, [A, B]) === B)!;
    const unit = { id: part, name: SHARD, partition: Number(part.split('#')[1]) };
    const key = clusterKeys(namespace).lease(unit);
    const owner = await admin.hget(key, 'owner');
    await admin.hset(key, 'owner', A);
    const error = await a.router.call(unit, 1, { timeoutMs: 2_000 }).catch((e: unknown) => e);
    await admin.hset(key, 'owner', owner!);
    expect(error).toBeInstanceOf(ClusterNoOwnerError);
    expect(error).toMatchObject({ unit: part, why: 'not-owner' });
    await waitFor(allPlaced, 'every unit held by its owner again', 20_000);
  }, 30_000);

  it("shows every member's tree and their events in the view, bounded", async () => {
    await waitFor(async () => (await byId(A).node.view()).trees.length === 2, 'both trees published', 5_000);
    const view = await byId(A).node.view();
    expect(view.trees.map((t) => t.member).sort()).toEqual([A, B].sort());
    expect(view.trees.find((t) => t.member === B)!.tree).toEqual({ path: 'root', member: B });
    const acquired = view.events.filter((e) => e.type === 'lease-acquired');
    expect(new Set(acquired.map((e) => (e as { unit: string }).unit))).toEqual(new Set(UNIT_IDS));
    expect(new Set(view.events.map((e) => e.memberId))).toEqual(new Set([A, B]));
    expect(view.events.length).toBeLessThanOrEqual(CLUSTER_VIEW_LIMITS.eventsRead);
    // The stream is capped (MAXLEN ~): its length stays near the bound however many events were written.
    const info = (await admin.call('xinfo', 'stream', clusterKeys(namespace).events)) as unknown[];
    expect(Number(info[info.indexOf('length') + 1])).toBeLessThanOrEqual(CLUSTER_VIEW_LIMITS.events + 100);
  });

  it('publishes a tree larger than the limit as a truncated marker', async () => {
    const big = await member(`${A}-big`, () => ({ blob: 'x'.repeat(CLUSTER_VIEW_LIMITS.treeBytes) }));
    await waitFor(async () => (await big.node.view()).trees.some((t) => t.member === big.id), 'the big tree published', 5_000);
    const tree = (await big.node.view()).trees.find((t) => t.member === big.id)!;
    expect(tree.tree).toBeUndefined();
    expect(tree.truncatedBytes).toBeGreaterThan(CLUSTER_VIEW_LIMITS.treeBytes);
    await big.router.stop();
    await big.node.stop();
    members = members.filter((m) => m !== big);
    // A member that leaves takes its tree with it.
    expect(await admin.exists(clusterKeys(namespace).tree(big.id))).toBe(0);
    await waitFor(allPlaced, 'the units back with A and B', 20_000);
  }, 40_000);

  it('settles calls by their timeout, typed, while Redis is paused (SIGSTOP)', async () => {
    const a = byId(A);
    await a.router.call({ id: ECHO, name: ECHO }, 'warm', { timeoutMs: 2_000 });
    redis.pause();
    try {
      const started = Date.now();
      const outcomes = await Promise.all(
        [150, 300, 1_500].map((timeoutMs) =>
          a.router.call({ id: ECHO, name: ECHO }, { timeoutMs }, { timeoutMs }).then(
            () => 'resolved',
            (error: unknown) => ({ error, after: Date.now() - started, timeoutMs }),
          ),
        ),
      );
      for (const outcome of outcomes) {
        expect(outcome).not.toBe('resolved');
        const { error, after, timeoutMs } = outcome as { error: unknown; after: number; timeoutMs: number };
        expect(error instanceof CallTimeoutError || error instanceof ClusterRedisError).toBe(true);
        expect(after).toBeLessThan(timeoutMs + 1_000);
      }
    } finally {
      redis.resume();
    }
    expect(a.logger.lines.filter((l) => l.includes('Redis unreachable')).length).toBeLessThanOrEqual(1);
    // Redis is back: calls go through again.
    await waitFor(
      () => a.router.call({ id: ECHO, name: ECHO }, 'again', { timeoutMs: 1_000 }).then(() => true, () => false),
      'a call succeeds again',
      20_000,
    );
  }, 40_000);
});

suite('cluster: routed calls when the holder is a process that is killed (real redis-server, real processes)', () => {
  const rig = useClusterRig();
  let caller: { node: ClusterNode; router: ClusterRouter } | undefined;

  afterAll(async () => {
    await caller?.router.stop();
    await caller?.node.stop();
  });

  it('fails calls typed (no owner, or timeout) after SIGKILL of the holder, then reaches the new holder', async () => {
    // The test's member is never the owner: with all three, B owns Echo; with B gone, C does.
    const { router, failures, killedAt } = await holderKilled(rig, { namespace: 'route-kill', prefix: 'r', unit: ECHO, ttlMs: TTL_MS }, (c) => (caller = c), (b) => b.kill());
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.some((e) => e instanceof ClusterNoOwnerError)).toBe(true);
    // The new holder took over after B's lease expired: within TTL + a renewal or two (+ slack for a loaded machine).
    expect(Date.now() - killedAt).toBeLessThan(TTL_MS + 5_000);
    expect(router.inFlight).toBe(0);
  }, 60_000);
});

suite('cluster: what the view costs in Redis commands (real redis-server)', () => {
  let redis: RedisServer;
  let admin: Redis;
  let node: ClusterNode | undefined;

  beforeAll(async () => {
    redis = await RedisServer.start();
    admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    await node?.stop();
    admin?.disconnect();
    await redis?.close();
  });

  it('publishes 200 lease events and a tree with a few commands, not one per partition', async () => {
    const held = new Set<string>();
    const host: UnitHost = {
      start: async (unit) => void held.add(unit.id),
      stop: async (unit) => void held.delete(unit.id),
    };
    node = new ClusterNode(
      { redis: redis.url, namespace: 'cost', memberId: 'solo', leaseTtlMs: TTL_MS, renewIntervalMs: RENEW_MS, safetyMarginMs: MARGIN_MS, commandTimeoutMs: RENEW_MS, logger: false },
      [{ name: 'Many', partitions: 200 }],
      host,
    );
    node.publishTree(() => ({ path: 'root', held: held.size }));
    await admin.config('RESETSTAT');
    const from = Date.now();
    await node.start();
    await waitFor(() => held.size === 200, 'all 200 partitions running', 20_000);
    await waitFor(async () => (await node!.view()).events.filter((e) => e.type === 'lease-acquired').length === CLUSTER_VIEW_LIMITS.eventsRead, 'the latest 200 events readable', 5_000);
    const ticks = Math.ceil((Date.now() - from) / RENEW_MS) + 1;
    const stats = await admin.info('commandstats');
    const calls = (name: string) => Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
    // 201 events (joined + 200 acquired) in at most 100 per XADD: a handful of XADDs, one or two per renewal at most.
    expect(calls('xadd')).toBeGreaterThanOrEqual(3);
    expect(calls('xadd')).toBeLessThanOrEqual(Math.min(ticks * 2, 20));
    // The tree: one SET per renewal at most (it changes while partitions start), never per partition.
    expect(calls('set')).toBeLessThanOrEqual(ticks);
    expect(calls('set')).toBeGreaterThanOrEqual(1);
  }, 40_000);
});
