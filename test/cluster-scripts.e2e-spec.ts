// The lease scripts on their own, against a real Redis: the rules every guarantee rests on.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { clusterKeys, unitRef } from '#supertrees/cluster';
import { ACQUIRE, RELEASE, TICK, type LuaScript } from '../libs/supertrees/src/cluster/lease.scripts.js';
import { waitFor } from './helpers/cluster-replicas.js';
import { RedisServer } from './helpers/redis-server.js';
import { redisDescribe } from './helpers/redis-suite.js';

const suite = redisDescribe();

const TTL = 400;

suite('lease scripts (real redis-server)', () => {
  let server: RedisServer;
  let redis: Redis;
  let n = 0;
  beforeAll(async () => {
    server = await RedisServer.start();
    redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.close();
  });

  const run = (script: LuaScript, keys: string[], args: (string | number)[]) => redis.eval(script.source, keys.length, ...keys, ...args.map(String));
  const fresh = () => {
    n += 1;
    const keys = clusterKeys(`s${n}`);
    const unit = unitRef('Unit');
    return { keys, lease: keys.lease(unit), fence: keys.fence(unit) };
  };
  const acquire = (k: { lease: string; fence: string }, member: string, ttl = TTL) => run(ACQUIRE, [k.lease, k.fence], [member, ttl]) as Promise<[string, number, ...unknown[]]>;
  const grantedTo = async (k: { lease: string; fence: string }, member: string, ttl = TTL): Promise<number> => {
    let token = 0;
    await waitFor(async () => {
      const reply = await acquire(k, member, ttl);
      if (reply[0] === 'granted') token = reply[1];
      return token > 0;
    }, `${member} granted`);
    return token;
  };

  it('keeps a unit it has no record of closed for one TTL, then grants a token no lower than Redis time', async () => {
    const k = fresh();
    // A window long enough that the second call falls inside it on a loaded machine; and where it did
    // not (more than `closed` ms between the two calls, measured around both), it may be granted.
    const closed = 2_000;
    const sent = performance.now();
    expect(await acquire(k, 'a', closed)).toEqual(['wait', closed]);
    const second = await acquire(k, 'b', closed);
    if (performance.now() - sent < closed) {
      expect(second[0]).toBe('wait');
      expect(second[1]).toBeLessThanOrEqual(closed);
    }
    const [seconds] = await redis.time();
    const token = await grantedTo(k, 'a', closed);
    expect(token).toBeGreaterThanOrEqual(Number(seconds) * 1000);
    expect(await redis.hgetall(k.lease)).toEqual({ owner: 'a', token: String(token) });
    expect(await redis.pttl(k.lease)).toBeLessThanOrEqual(closed);
  });

  it('tells another member who holds it and for how long; the same member gets a new, higher token', async () => {
    const k = fresh();
    const first = await grantedTo(k, 'a');
    const held = await acquire(k, 'b');
    expect(held[0]).toBe('held');
    expect(held.slice(2)).toEqual(['a', String(first)]);
    const again = await acquire(k, 'a');
    expect(again[0]).toBe('granted');
    expect(again[1]).toBeGreaterThan(first);
  });

  it('releases only for the owner with its token', async () => {
    const k = fresh();
    const token = await grantedTo(k, 'a');
    expect(await run(RELEASE, [k.lease], ['b', token])).toBe(0);
    expect(await run(RELEASE, [k.lease], ['a', token - 1])).toBe(0);
    expect(await run(RELEASE, [k.lease], ['a', token])).toBe(1);
    expect(await redis.exists(k.lease)).toBe(0);
    expect(await grantedTo(k, 'b')).toBeGreaterThan(token);
  });

  it('still grants a higher token after Redis lost the unit\'s record (as after a restart without persistence)', async () => {
    const k = fresh();
    const before = await grantedTo(k, 'a');
    await redis.del(k.lease, k.fence);
    expect((await acquire(k, 'b'))[0]).toBe('wait');
    expect(await grantedTo(k, 'b')).toBeGreaterThan(before);
  });

  it('heartbeats, prunes expired members, and renews only the leases held with the right token', async () => {
    const k = fresh();
    const t1 = await grantedTo(k, 'a');
    // Keep it alive through a slow machine's pauses: this test is about the tick, not the TTL.
    await redis.pexpire(k.lease, 60_000);
    await redis.zadd(k.keys.members, 1, 'long-gone');
    await redis.hset(k.keys.memberInfo, 'long-gone', '{}');
    const [now, members, renewed] = (await run(TICK, [k.keys.members, k.keys.memberInfo, k.lease, k.lease], ['a', '{"port":1}', 5_000, '', t1, t1 + 1])) as [number, string[], number[]];
    expect(now).toBeGreaterThan(0);
    expect(members).toEqual(['a']);
    expect(renewed).toEqual([1, 0]);
    expect(await redis.pttl(k.lease)).toBeLessThanOrEqual(5_000);
    expect(await redis.hkeys(k.keys.memberInfo)).toEqual(['a']);
    expect(JSON.parse((await redis.hget(k.keys.memberInfo, 'a'))!)).toEqual({ seen: now, info: { port: 1 } });
    const [then, , other] = (await run(TICK, [k.keys.members, k.keys.memberInfo, k.lease], ['b', '{}', 5_000, '{"host":"10.0.0.7","port":4100}', t1])) as [number, string[], number[]];
    expect(other).toEqual([0]);
    // A member with a direct call channel publishes its address in the same record.
    expect(JSON.parse((await redis.hget(k.keys.memberInfo, 'b'))!)).toEqual({ seen: then, info: {}, calls: { host: '10.0.0.7', port: 4100 } });
  });
});
