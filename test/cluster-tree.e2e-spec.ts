// Cluster mode in the supervision tree: Nest apps (SupervisionModule.forRoot({ cluster })) run as real
// replica processes against a redis-server of the test's own; their placed workers write to a fenced
// ledger in a second redis-server while `ctx.lease.stillHolds()`.
import { expect, it } from '@jest/globals';
import { assignUnits, ownerOf, readClusterView } from '#supertrees/cluster';
import { ledgerViolations, readLedger, writesAfterTakeover } from './fixtures/cluster-ledger.js';
import { CLUSTER_APP, Replica, useClusterRig, waitFor } from './helpers/cluster-replicas.js';
import { redisDescribe } from './helpers/redis-suite.js';

const suite = redisDescribe();

const TTL_MS = 2_000;
const SINGLETON = 'root/Reconciler';
const PARTITIONS = 64;
const SHARDS = Array.from({ length: PARTITIONS }, (_, p) => `root/Shard#${p}`);

suite('cluster mode in the tree: Nest app replicas (real redis-server, real processes)', () => {
  const rig = useClusterRig();
  const { replicas } = rig;
  let run = 0;
  let namespace = '';

  const start = async (ids: string[], extra: Record<string, string> = {}, fresh = true) => {
    if (fresh) {
      run += 1;
      namespace = `tree${run}`;
    }
    const env = { REDIS_URL: rig.leases.url, LEDGER_URL: rig.ledgerServer.url, NAMESPACE: namespace, TTL_MS: String(TTL_MS), ...extra };
    const started = ids.map((id) => new Replica(id, env, CLUSTER_APP));
    replicas.push(...started);
    await Promise.all(started.map((r) => r.ready(60_000)));
    return started;
  };
  const live = () => replicas.filter((r) => r.running);
  const holdersOf = (unit: string) => live().filter((r) => r.runningUnits().has(unit));
  /** unit -> the replica running it, when exactly one does. */
  const placement = () => {
    const out = new Map<string, string>();
    for (const r of live()) for (const unit of r.runningUnits().keys()) out.set(unit, out.has(unit) ? 'TWO' : r.id);
    return out;
  };
  const settled = (units: readonly string[], members: readonly string[]) => () => {
    const now = placement();
    return units.every((u) => now.get(u) === ownerOf(u, members));
  };

  it('runs a singleton once across 3 replicas; after SIGKILL of the holder another runs it within TTL + 1 s, with a higher token', async () => {
    const ids = ['s1', 's2', 's3'];
    await start(ids, { CALL_EVERY_MS: '200' });
    await waitFor(settled([SINGLETON], ids), 'the rendezvous owner runs the singleton', 30_000);
    const holder = holdersOf(SINGLETON)[0]!;
    const token = holder.runningUnits().get(SINGLETON)!;
    // Placed 'everywhere' is today's behaviour: every replica runs it, with no lease.
    for (const r of live()) expect(r.events.find((e) => e.e === 'everywhere')).toEqual(expect.objectContaining({ fencingToken: null }));
    // The view names the holder and its token; a call from the holder reaches it, from the others it is refused with a typed error.
    const view = await readClusterView(rig.admin, [{ name: SINGLETON }], { namespace });
    expect(view.members.map((m) => m.id).sort()).toEqual(ids);
    expect(view.leases).toEqual([expect.objectContaining({ unit: SINGLETON, holder: holder.id, token })]);
    await waitFor(() => holder.events.some((e) => e.e === 'call-ok'), 'the holder calls its singleton');
    expect(holder.events.find((e) => e.e === 'call-ok')!.reply).toEqual(expect.objectContaining({ member: holder.id, token }));
    const other = live().find((r) => r !== holder)!;
    await waitFor(() => other.events.some((e) => e.e === 'call-error' && e.name === 'ClusterNoOwnerError'), 'a non-holder is refused with ClusterNoOwnerError');

    const killedAt = Date.now();
    await holder.kill();
    await waitFor(() => holdersOf(SINGLETON).length === 1, 'another replica runs the singleton', 15_000);
    const next = holdersOf(SINGLETON)[0]!;
    const started = next.events.filter((e) => e.e === 'start' && e.unit === SINGLETON).at(-1)!;
    const failoverMs = started.at - killedAt;
    console.log(`cluster-tree: singleton failover after SIGKILL of the holder: ${failoverMs} ms (lease TTL ${TTL_MS} ms)`);
    expect(next.id).not.toBe(holder.id);
    expect(started.token).toBeGreaterThan(token);
    expect(failoverMs).toBeLessThanOrEqual(TTL_MS + 1_000);
    await waitFor(async () => (await readLedger(rig.ledger)).some((e) => e.writer === next.id), 'the new holder writes');
    const entries = await readLedger(rig.ledger);
    expect(ledgerViolations(entries)).toEqual([]);
    // Never two at once, by the replicas' own accounts.
    expect(replicas.flatMap((r) => r.events.filter((e) => e.e === 'start' && e.unit === SINGLETON))).toHaveLength(2);
  });

  it('a holder paused (SIGSTOP) past its lease is replaced by a higher token and, resumed, stops (lease-lost) without an accepted write', async () => {
    await start(['s1', 's2', 's3']);
    await waitFor(() => holdersOf(SINGLETON).length === 1, 'one replica runs the singleton', 30_000);
    const paused = holdersOf(SINGLETON)[0]!;
    const oldToken = paused.runningUnits().get(SINGLETON)!;
    paused.pause();
    try {
      await waitFor(() => replicas.some((r) => r !== paused && r.runningUnits().has(SINGLETON)), 'another replica takes over', 15_000);
    } finally {
      paused.resume();
    }
    const next = replicas.find((r) => r !== paused && r.runningUnits().has(SINGLETON))!;
    expect(next.runningUnits().get(SINGLETON)).toBeGreaterThan(oldToken);
    await waitFor(() => paused.events.some((e) => e.e === 'stop' && e.token === oldToken), 'the resumed replica stops its worker', 10_000);
    expect(paused.events.find((e) => e.e === 'stop' && e.token === oldToken)).toEqual(expect.objectContaining({ reason: 'lease-lost', leaseHeld: false }));
    expect(paused.events.find((e) => e.e === 'lease-lost')).toEqual(expect.objectContaining({ unit: SINGLETON, token: oldToken }));
    await waitFor(async () => (await readLedger(rig.ledger)).filter((e) => e.token > oldToken).length >= 5, 'newer tokens write');
    const entries = await readLedger(rig.ledger);
    // Resumed, it does no more work: at most the one write it had in flight when SIGSTOP landed between
    // its stillHolds() check and the send (it reaches Redis late), and the fence rejects that one.
    const stale = writesAfterTakeover(entries, SINGLETON, oldToken);
    expect(stale.filter((e) => e.accepted)).toEqual([]);
    expect(stale.length).toBeLessThanOrEqual(1);
    expect(ledgerViolations(entries)).toEqual([]);
  });

  it('spreads 64 partitions evenly over 3 replicas; about a quarter move when a 4th joins; only the leaver\'s move', async () => {
    const three = ['p1', 'p2', 'p3'];
    await start(three, { PARTITIONS: String(PARTITIONS) });
    await waitFor(settled(SHARDS, three), '64 partitions on their rendezvous owners', 60_000);
    const counts = three.map((id) => [...placement().values()].filter((v) => v === id).length);
    console.log(`cluster-tree: 64 partitions over 3 replicas: ${counts.join(' / ')}`);
    for (const n of counts) expect(n).toBeGreaterThanOrEqual(12);
    // p4 joins: the partitions it wins move to it (about a quarter), and only those.
    const before = placement();
    const [joiner] = await start(['p4'], { PARTITIONS: String(PARTITIONS) }, false);
    const four = [...three, 'p4'];
    await waitFor(settled(SHARDS, four), 'the partitions p4 wins run on it', 30_000);
    const after = placement();
    const moved = SHARDS.filter((u) => before.get(u) !== after.get(u));
    const expected = [...assignUnits(SHARDS, four).values()].filter((m) => m === 'p4').length;
    console.log(`cluster-tree: a 4th replica joining moved ${moved.length} of 64 partitions (rendezvous says ${expected})`);
    expect(moved.every((u) => after.get(u) === joiner!.id)).toBe(true);
    expect(moved).toHaveLength(expected);
    expect(moved.length).toBeGreaterThanOrEqual(8);
    expect(moved.length).toBeLessThanOrEqual(26);

    // p2 leaves (SIGTERM: it stops its units, gives their leases back, leaves the membership): only its partitions move.
    const tokens = new Map(live().flatMap((r) => [...r.runningUnits()]));
    const leaver = replicas.find((r) => r.id === 'p2')!;
    const leftAt = Date.now();
    await leaver.stop();
    const rest = ['p1', 'p3', 'p4'];
    await waitFor(settled(SHARDS, rest), "the leaver's partitions run on the other three", 30_000);
    const stayers = live();
    const movedAgain = SHARDS.filter((u) => after.get(u) !== placement().get(u));
    expect(movedAgain.every((u) => after.get(u) === 'p2')).toBe(true);
    expect(stayers.flatMap((r) => r.events.filter((e) => e.e === 'stop' && e.at >= leftAt))).toEqual([]);
    for (const r of stayers) for (const [unit, token] of r.runningUnits()) if (ownerOf(unit, four) !== 'p2') expect(token).toBe(tokens.get(unit));
    expect(ledgerViolations(await readLedger(rig.ledger))).toEqual([]);
  });

  it.each([
    ['a placed worker in a supervisor process', '1', 'root/Ops/Reconciler'],
    ['a worker of a placed supervisor process', '2', 'root/Billing/Ledger'],
  ])('%s stops on its own at the deadline while the main process is paused', async (_title, forked, UNIT) => {
    const ids = ['f1', 'f2'];
    await start(ids, { FORKED: forked });
    await waitFor(() => holdersOf(UNIT).length === 1, 'one replica runs the singleton in its supervisor process', 60_000);
    const holder = holdersOf(UNIT)[0]!;
    const startEvent = holder.events.find((e) => e.e === 'start' && e.unit === UNIT)!;
    expect(startEvent.pid).not.toBe(holder.pid);
    const oldToken = startEvent.token!;
    const pausedAt = Date.now();
    holder.pause();
    let resumedAt = 0;
    try {
      await waitFor(() => replicas.some((r) => r !== holder && r.runningUnits().has(UNIT)), 'the other replica takes over', 20_000);
      // The supervisor process's own lines reach the test through its paused parent: wait for the ledger instead.
      await waitFor(async () => (await readLedger(rig.ledger)).some((e) => e.token > oldToken), 'the new holder writes', 10_000);
    } finally {
      resumedAt = Date.now();
      holder.resume();
    }
    await waitFor(() => holder.events.some((e) => e.e === 'stop' && e.token === oldToken), 'the paused replica reports its worker stopped', 20_000);
    const stop = holder.events.find((e) => e.e === 'stop' && e.token === oldToken)!;
    // Stopped by the supervisor process itself, on its own clock, while its main process was still paused.
    expect(stop.pid).toBe(startEvent.pid);
    expect(stop.at).toBeLessThan(resumedAt);
    expect(stop.at - pausedAt).toBeLessThanOrEqual(TTL_MS);
    const entries = await readLedger(rig.ledger);
    // Resumed, it does no more work: at most the one write it had in flight when SIGSTOP landed between
    // its stillHolds() check and the send (it reaches Redis late), and the fence rejects that one.
    const stale = writesAfterTakeover(entries, UNIT, oldToken);
    expect(stale.filter((e) => e.accepted)).toEqual([]);
    expect(stale.length).toBeLessThanOrEqual(1);
    expect(ledgerViolations(entries)).toEqual([]);
  });

  it('with Redis killed, placed workers stop by their deadlines (everywhere ones run on), and come back with newer tokens when it returns', async () => {
    const ids = ['o1', 'o2'];
    const units = [SINGLETON, ...SHARDS.slice(0, 4)];
    await start(ids, { PARTITIONS: '4' });
    await waitFor(settled(units, ids), 'all 5 units on their owners', 60_000);
    const before = new Map(live().flatMap((r) => [...r.runningUnits()]));
    const killedAt = Date.now();
    await rig.leases.kill();
    try {
      await waitFor(() => live().every((r) => r.runningUnits().size === 0), 'every placed worker stopped', 10_000);
      const stops = live().flatMap((r) => r.events.filter((e) => e.e === 'stop' && e.at >= killedAt));
      expect(stops).toHaveLength(units.length);
      for (const stop of stops) {
        expect(stop.reason).toBe('lease-lost');
        expect(stop.at - killedAt).toBeLessThan(TTL_MS);
      }
      expect(live()).toHaveLength(2);
      for (const r of live()) expect(r.events.filter((e) => e.e === 'everywhere')).toHaveLength(1);
    } finally {
      await rig.leases.launch();
    }
    await waitFor(settled(units, ids), 'all 5 units running again', 30_000);
    for (const r of live()) for (const [unit, token] of r.runningUnits()) expect(token).toBeGreaterThan(before.get(unit)!);
    expect(ledgerViolations(await readLedger(rig.ledger))).toEqual([]);
  });
});
