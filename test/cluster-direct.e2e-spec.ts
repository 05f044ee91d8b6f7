// Routed calls on the direct call channel (cluster.calls.transport: 'direct'), through a real
// redis-server of the test's own and real TCP connections: members in this process, a raw socket
// playing a stranger, replica processes where a holder must die mid-call, and Nest app replicas
// calling each other through SupervisionService.call.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { ClusterNoOwnerError, ClusterNode, ClusterRouter, clusterKeys, ownerOf, type ClusterUnitSpec, type LocalDispatch, type UnitRef } from '#supertrees/cluster';
import { encodeFrame, handshakeMac, newNonce, parseHandshake } from '../libs/supertrees/src/cluster/direct.frames.js';
import { rawConnection } from './helpers/direct-raw.js';
import { CLUSTER_APP, Replica, useClusterRig, waitFor } from './helpers/cluster-replicas.js';
import { RedisServer } from './helpers/redis-server.js';
import { resourceCounts, resourcesSettled } from './helpers/run-probes.js';
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
const UNITS: ClusterUnitSpec[] = [{ name: ECHO }, { name: SHARD, partitions: 4 }];
const UNIT_IDS = [ECHO, ...Array.from({ length: 4 }, (_, p) => `${SHARD}#${p}`)];
const DIRECT = { transport: 'direct', listen: { host: '127.0.0.1' } } as const;

interface Member {
  readonly id: string;
  readonly node: ClusterNode;
  readonly router: ClusterRouter;
  readonly logger: LineLogger;
  readonly seen: { unit: string; kind: string; message: unknown }[];
}

const echo =
  (id: string, seen: Member['seen']): LocalDispatch =>
  async (unit, kind, message) => {
    seen.push({ unit: unit.id, kind, message });
    return { member: id, unit: unit.id, message };
  };

suite('cluster: routed calls on the direct channel between members in this process (real redis-server, real TCP)', () => {
  let redis: RedisServer;
  let admin: Redis;
  const members: Member[] = [];
  const namespace = 'direct';
  // A and B hold every unit between them (Echo is B's); C holds none and only calls.
  const [A, B, C] = memberIds('d', 3, (ids) => ownerOf(ECHO, ids) === ids[1] && UNIT_IDS.every((u) => ownerOf(u, ids) !== ids[2]) && UNIT_IDS.some((u) => ownerOf(u, ids) === ids[0]));

  const member = async (id: string, units: ClusterUnitSpec[]): Promise<Member> => {
    const logger = new LineLogger();
    const seen: Member['seen'] = [];
    const node = new ClusterNode(
      { redis: redis.url, namespace, memberId: id, leaseTtlMs: TTL_MS, renewIntervalMs: RENEW_MS, safetyMarginMs: MARGIN_MS, commandTimeoutMs: RENEW_MS, logger, calls: DIRECT },
      units,
      new NullHost(),
    );
    const router = new ClusterRouter(node, echo(id, seen), { logger, maxMessageBytes: 64 * 1024 });
    await router.listen();
    await node.start();
    await router.start();
    const m = { id, node, router, logger, seen };
    members.push(m);
    return m;
  };
  const byId = (id: string) => members.find((m) => m.id === id)!;
  const allPlaced = () => UNIT_IDS.every((u) => byId(ownerOf(u, [A!, B!, C!])!).node.holds(u));
  /** Where `id` listens as its record says; none until it knows the secret (the heartbeat after its start). */
  const callsOf = async (id: string) => {
    const record = await admin.hget(clusterKeys(namespace).memberInfo, id);
    return record === null ? undefined : (JSON.parse(record) as { calls?: { port: number } }).calls;
  };
  const portOf = async (id: string) => {
    await waitFor(async () => (await callsOf(id)) !== undefined, `${id}'s address published`, 20_000);
    return (await callsOf(id))!.port;
  };

  beforeAll(async () => {
    redis = await RedisServer.start();
    admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    await member(A!, UNITS);
    await member(B!, UNITS);
    await member(C!, []);
    await waitFor(allPlaced, 'every unit held by its rendezvous owner', 20_000);
  }, 40_000);
  afterAll(async () => {
    for (const m of members) await m.router.stop();
    await Promise.all(members.map((m) => m.node.stop()));
    admin?.disconnect();
    await redis?.close();
  });

  it('publishes each member’s address with its heartbeat', async () => {
    const record = JSON.parse((await admin.hget(clusterKeys(namespace).memberInfo, B!))!) as { calls?: { host: string; port: number } };
    expect(record.calls).toEqual({ host: '127.0.0.1', port: expect.any(Number) });
  });

  it('takes a call and a cast from one member to the unit on another on the direct channel, one lookup, then cached', async () => {
    const c = byId(C!);
    const before = { ...c.router.stats };
    const unit: UnitRef = { id: ECHO, name: ECHO };
    await expect(c.router.call(unit, { hello: 'world' }, { timeoutMs: 2_000 })).resolves.toEqual({ member: B, unit: ECHO, message: { hello: 'world' } });
    for (let i = 0; i < 5; i++) await expect(c.router.call(unit, i, { timeoutMs: 2_000 })).resolves.toMatchObject({ message: i });
    await c.router.cast(unit, { event: 'paid' });
    expect(byId(B!).seen.at(-1)).toEqual({ unit: ECHO, kind: 'cast', message: { event: 'paid' } });
    expect(c.router.stats.direct - before.direct).toBe(7);
    expect(c.router.stats.sent - before.sent).toBe(7);
    expect(c.router.stats.lookups - before.lookups).toBeLessThanOrEqual(1);
  });

  it('refuses a connection that does not know the secret, counts it, and dispatches nothing', async () => {
    const b = byId(B!);
    const garbage = b.router.stats.garbage;
    const seen = b.seen.length;
    const raw = rawConnection(await portOf(B!));
    const hello = parseHandshake(await raw.next(), 'hello');
    expect(hello.member).toBe(B);
    const auth = { member: 'stranger', nonce: newNonce() };
    raw.socket.write(encodeFrame({ v: 1, t: 'auth', ...auth, mac: handshakeMac(Buffer.alloc(32, 7), 'c', namespace, hello, auth) }));
    // Then a request, as if it had been let in.
    raw.socket.write(encodeFrame({ v: 1, t: 'req', id: 'x.1', from: 'stranger', unit: ECHO, kind: 'call', timeoutMs: 1_000, message: 1 }));
    await raw.closed;
    expect(b.router.stats.garbage).toBe(garbage + 1);
    expect(b.seen.length).toBe(seen);
    expect(b.logger.lines.some((l) => l.includes('failed to prove it knows'))).toBe(true);
  });

  it('closes a connection that sends garbage (an HTTP request, an oversized length) and counts each', async () => {
    const b = byId(B!);
    const garbage = b.router.stats.garbage;
    const http = rawConnection(await portOf(B!));
    http.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await http.closed;
    const huge = rawConnection(await portOf(B!));
    const header = Buffer.alloc(4);
    header.writeUInt32BE(0xffff_ffff);
    huge.socket.write(header);
    await huge.closed;
    expect(b.router.stats.garbage).toBe(garbage + 2);
  });

  it('serves a connection that knows the secret, and answers not-owner for a unit it does not hold', async () => {
    const b = byId(B!);
    const secret = Buffer.from((await admin.get(clusterKeys(namespace).callsSecret))!, 'hex');
    const raw = rawConnection(await portOf(B!));
    const hello = parseHandshake(await raw.next(), 'hello');
    const auth = { member: 'friend', nonce: newNonce() };
    raw.socket.write(encodeFrame({ v: 1, t: 'auth', ...auth, mac: handshakeMac(secret, 'c', namespace, hello, auth) }));
    expect(parseHandshake(await raw.next(), 'ok').mac).toBe(handshakeMac(secret, 's', namespace, hello, auth));
    const notMine = UNIT_IDS.find((u) => ownerOf(u, [A!, B!, C!]) === A)!;
    const refused = b.router.stats.refused;
    raw.socket.write(encodeFrame({ v: 1, t: 'req', id: 'f.1', from: 'friend', unit: ECHO, kind: 'call', timeoutMs: 1_000, message: 'hi' }));
    raw.socket.write(encodeFrame({ v: 1, t: 'req', id: 'f.2', from: 'friend', unit: notMine, kind: 'call', timeoutMs: 1_000, message: 'hi' }));
    const replies = [JSON.parse(await raw.next()), JSON.parse(await raw.next())] as { id: string }[];
    replies.sort((x, y) => x.id.localeCompare(y.id));
    expect(replies).toEqual([
      { v: 1, t: 'rep', id: 'f.1', r: 'ok', value: { member: B, unit: ECHO, message: 'hi' } },
      { v: 1, t: 'rep', id: 'f.2', r: 'not-owner' },
    ]);
    expect(b.router.stats.refused).toBe(refused + 1);
    raw.socket.destroy();
    await raw.closed;
  });

  it("rejects with ClusterNoOwnerError 'not-owner' when the member Redis names does not hold the unit, after one fresh lookup", async () => {
    const [b, c] = [byId(B!), byId(C!)];
    const part = UNIT_IDS.find((u) => u !== ECHO && ownerOf(u, [A!, B!, C!]) === A)!;
    const unit = { id: part, name: SHARD, partition: Number(part.split('#')[1]) };
    const key = clusterKeys(namespace).lease(unit);
    const refused = b.router.stats.refused;
    const direct = c.router.stats.direct;
    await admin.hset(key, 'owner', B!);
    const error = await c.router.call(unit, 1, { timeoutMs: 2_000 }).catch((e: unknown) => e);
    await admin.hset(key, 'owner', A!);
    expect(error).toBeInstanceOf(ClusterNoOwnerError);
    expect(error).toMatchObject({ unit: part, why: 'not-owner', maybeDelivered: false });
    expect(b.router.stats.refused).toBe(refused + 2);
    expect(c.router.stats.direct).toBe(direct + 2);
    await waitFor(allPlaced, 'every unit held by its owner again', 20_000);
  }, 30_000);

  it('leaves no connection, listener, timer or other handle open after stop', async () => {
    const before = resourceCounts();
    const extra = await member(`${C!}-x`, []);
    const port = await portOf(extra.id);
    // A connection to it now and one through its router, both open when it stops.
    const raw = rawConnection(port);
    await raw.next();
    await extra.router.call({ id: ECHO, name: ECHO }, 'warm', { timeoutMs: 2_000 });
    await extra.router.stop();
    await extra.node.stop();
    members.splice(members.indexOf(extra), 1);
    await raw.closed;
    // Nothing listens there any more: a new connection is refused (and closes).
    await rawConnection(port).closed;
    await waitFor(allPlaced, 'the units back with A and B', 20_000);
    expect(await resourcesSettled(before, 10_000)).toEqual({});
  }, 30_000);

  it('keeps direct calls going across a Redis restart (empty), also from and to a member started while Redis was down', async () => {
    const c = byId(C!);
    const echo: UnitRef = { id: ECHO, name: ECHO };
    await c.router.call(echo, 'before', { timeoutMs: 2_000 });
    // D holds some units once it is in, and not Echo (B keeps it).
    let d = '';
    for (let i = 0; ; i++) {
      d = `${C!}-r${i}`;
      const ids = [A!, B!, C!, d];
      if (ownerOf(ECHO, ids) === B && UNIT_IDS.some((u) => ownerOf(u, ids) === d)) break;
    }
    const all = () => [A!, B!, C!, d];
    const mine = UNIT_IDS.find((u) => ownerOf(u, all()) === d)!;
    const garbage = members.map((m) => m.router.stats.garbage);
    await redis.kill();
    // Started with Redis down: no secret, so no published address and no direct calls, until it is back.
    const late = await member(d, UNITS);
    await redis.launch();
    await waitFor(() => UNIT_IDS.every((u) => byId(ownerOf(u, all())!).node.holds(u)), 'every unit held by its owner among A, B, C and D', 30_000);
    // Whoever reconnected first wrote its secret back (or, D first, a new one everybody took on reconnecting).
    await portOf(d);
    const unit: UnitRef = { id: mine, name: SHARD, partition: Number(mine.split('#')[1]) };
    await waitFor(() => c.router.call(unit, 'to D', { timeoutMs: 2_000 }).then((r) => (r as { member: string }).member === d, () => false), 'C reaches D', 20_000);
    await waitFor(() => late.router.call(echo, 'from D', { timeoutMs: 2_000 }).then((r) => (r as { member: string }).member === B, () => false), 'D reaches B', 20_000);
    // C to D (a holder that had no secret), D to B (a caller that had none), C to B: all on the direct channel.
    const before = { c: { ...c.router.stats }, late: { ...late.router.stats } };
    for (let i = 0; i < 3; i++) {
      await expect(c.router.call(unit, i, { timeoutMs: 2_000 })).resolves.toMatchObject({ member: d });
      await expect(late.router.call(echo, i, { timeoutMs: 2_000 })).resolves.toMatchObject({ member: B });
      await expect(c.router.call(echo, i, { timeoutMs: 2_000 })).resolves.toMatchObject({ member: B });
    }
    expect(c.router.stats.direct - before.c.direct).toBe(6);
    expect(late.router.stats.direct - before.late.direct).toBe(3);
    expect(late.router.stats.served - before.late.served).toBe(3);
    // No handshake failed across the restart: everybody took the same secret.
    expect(members.slice(0, garbage.length).map((m) => m.router.stats.garbage)).toEqual(garbage);
    expect(late.router.stats.garbage).toBe(0);
  }, 90_000);
});

suite('cluster: direct calls when the holder is a process that is killed mid-call (real redis-server, real processes)', () => {
  const rig = useClusterRig();
  let caller: { node: ClusterNode; router: ClusterRouter } | undefined;

  afterAll(async () => {
    await caller?.router.stop();
    await caller?.node.stop();
  });

  it('rejects the call in flight typed (maybe delivered) when the connection breaks, then reaches the new holder', async () => {
    const { router, failures } = await holderKilled(rig, { namespace: 'direct-kill', prefix: 'k', unit: ECHO, ttlMs: TTL_MS, calls: DIRECT }, (c) => (caller = c), async (b, call) => {
      expect(caller!.router.stats.direct).toBeGreaterThan(0);
      // A call B is handling when it dies: its timeout is far off, so only the broken connection can end it.
      const inFlight = call({ sleepMs: 60_000 }, 30_000).catch((e: unknown) => e);
      await waitFor(() => b.events.some((e) => e.e === 'dispatch'), 'B handling the call', 10_000);
      await b.kill();
      const error = await inFlight;
      expect(error).toBeInstanceOf(ClusterNoOwnerError);
      expect(error).toMatchObject({ unit: ECHO, why: 'holder-gone', maybeDelivered: true });
      expect(caller!.router.stats.lostConnections).toBe(1);
    });
    // The dead holder's refused connection fell back to pub/sub, which found nobody: nothing was delivered twice.
    expect(failures.filter((f) => f instanceof ClusterNoOwnerError).every((f) => !(f as ClusterNoOwnerError).maybeDelivered)).toBe(true);
    const direct = router.stats.direct;
    await router.call({ id: ECHO, name: ECHO }, 'again', { timeoutMs: 1_000 });
    expect(router.stats.direct).toBe(direct + 1);
    expect(router.inFlight).toBe(0);
  }, 60_000);
});

suite('cluster: SupervisionService.call between Nest app replicas on the direct channel (real redis-server, real processes)', () => {
  const rig = useClusterRig();

  it('reaches the singleton on the other replica with no PUBLISH', async () => {
    const namespace = 'direct-app';
    const env = { REDIS_URL: rig.leases.url, LEDGER_URL: rig.ledgerServer.url, NAMESPACE: namespace, TTL_MS: '2000', CALLS: 'direct', CALL_EVERY_MS: '200' };
    const replicas = ['n1', 'n2'].map((id) => new Replica(id, env, CLUSTER_APP));
    rig.replicas.push(...replicas);
    await Promise.all(replicas.map((r) => r.ready(60_000)));
    const SINGLETON = 'root/Reconciler';
    await waitFor(() => replicas.some((r) => r.runningUnits().has(SINGLETON)), 'a replica runs the singleton', 30_000);
    const holder = replicas.find((r) => r.runningUnits().has(SINGLETON))!;
    const other = replicas.find((r) => r !== holder)!;
    const answered = () => other.events.filter((e) => e.e === 'call-ok' && (e.reply as { member?: string }).member === holder.id).length;
    await waitFor(() => answered() > 0, "the other replica's call answered by the holder", 30_000);
    // From here on, calls go on the channel: Redis sees no PUBLISH for them.
    const publishes = async () => Number(/cmdstat_publish:calls=(\d+)/.exec(await rig.admin.info('commandstats'))?.[1] ?? 0);
    const before = publishes();
    const base = answered();
    const [published] = await Promise.all([before, waitFor(() => answered() >= base + 5, 'five more answered calls', 30_000)]);
    expect(await publishes()).toBe(published);
    const record = JSON.parse((await rig.admin.hget(clusterKeys(namespace).memberInfo, holder.id))!) as { calls?: { host: string; port: number } };
    expect(record.calls).toEqual({ host: '127.0.0.1', port: expect.any(Number) });
  }, 120_000);
});
