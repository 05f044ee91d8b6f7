// A partitioned supervisor with process isolation in Nest app replicas: @Supervisor({ placement:
// { partitions: 4 }, isolation: 'process' }) over a plain worker, so that each partition's subtree runs
// in a supervisor process of its own, forked by the replica that holds the partition's lease.
import { afterEach, expect, it } from '@jest/globals';
import { ownerOf, readClusterView, type LeaseView } from '#supertrees/cluster';
import { procStat } from '../libs/supertrees/src/testing/proc.js';
import { ledgerViolations, readLedger, writesAfterTakeover } from './fixtures/cluster-ledger.js';
import { CLUSTER_APP, memberIds, Replica, ReplicaCensus, useClusterRig, waitFor, type ReplicaEvent } from './helpers/cluster-replicas.js';
import { until } from './helpers/poll.js';
import { redisDescribe } from './helpers/redis-suite.js';

const suite = redisDescribe();

const TTL_MS = 2_000;
const PARTITIONS = 4;
const SUPERVISORS = Array.from({ length: PARTITIONS }, (_, p) => `root/Shards#${p}`);
const workerOf = (p: number) => `root/Shards#${p}/Consumer`;
// Rendezvous is deterministic: ids under which each of the 3 replicas owns at least one partition.
const IDS = memberIds('sp', 3, (ids) => ids.every((id) => SUPERVISORS.some((u) => ownerOf(u, ids) === id)));

suite('cluster: a partitioned supervisor process per partition, in Nest app replicas (real redis-server, real processes)', () => {
  const rig = useClusterRig();
  const { replicas } = rig;
  let census: ReplicaCensus | undefined;
  afterEach(() => census?.stop());

  const leases = async () =>
    new Map((await readClusterView(rig.admin, [{ name: 'root/Shards', partitions: PARTITIONS }], { namespace: 'procs' })).leases.map((l): [string, LeaseView] => [l.unit, l]));
  const starts = (r: Replica, p: number) => r.events.filter((e) => e.e === 'start' && e.unit === workerOf(p));
  const lastStart = (r: Replica, p: number): ReplicaEvent => starts(r, p).at(-1)!;
  /** The replica that runs partition `p` by its own reports, other than `except` (whose reports may lag: it is paused). */
  const holderOf = (p: number, except: Replica) => replicas.find((r) => r !== except && r.running && r.runningUnits().has(workerOf(p)));

  it('runs each partition in its own supervisor process, restarts it under the same lease after SIGKILL, and stops it (lease-lost) when its replica is paused past the lease', async () => {
    const env = { REDIS_URL: rig.leases.url, LEDGER_URL: rig.ledgerServer.url, NAMESPACE: 'procs', TTL_MS: String(TTL_MS), PARTITIONS: String(PARTITIONS), FORKED: '3' };
    replicas.push(...IDS.map((id) => new Replica(id, env, CLUSTER_APP)));
    census = new ReplicaCensus(replicas);
    await Promise.all(replicas.map((r) => r.ready(60_000)));
    const owner = (p: number) => replicas.find((r) => r.id === ownerOf(SUPERVISORS[p]!, IDS))!;
    await waitFor(
      () => SUPERVISORS.every((_, p) => replicas.filter((r) => r.runningUnits().has(workerOf(p))).map((r) => r.id).join() === owner(p).id),
      'each partition running on its rendezvous owner, and there only',
      60_000,
    );

    // Spread over the replicas; each partition in a process of its own, forked by the replica holding it,
    // with its partition and its lease's token in the worker's context.
    const view = await leases();
    const pids = new Set<number>();
    for (let p = 0; p < PARTITIONS; p++) {
      const replica = owner(p);
      const start = lastStart(replica, p);
      expect(start.partition).toBe(p);
      expect(start.token).toBe(view.get(SUPERVISORS[p]!)!.token);
      expect(view.get(SUPERVISORS[p]!)!.holder).toBe(replica.id);
      expect(start.pid).not.toBe(replica.pid);
      expect(procStat(start.pid as number)?.ppid).toBe(replica.pid);
      pids.add(start.pid as number);
    }
    expect(pids.size).toBe(PARTITIONS);
    expect(new Set(SUPERVISORS.map((_, p) => owner(p).id)).size).toBe(3);

    // SIGKILL of partition 0's supervisor process: its replica forks it again, under the same lease (same token).
    const killedReplica = owner(0);
    const killed = lastStart(killedReplica, 0);
    process.kill(killed.pid as number, 'SIGKILL');
    await waitFor(() => lastStart(killedReplica, 0).pid !== killed.pid, 'partition 0 started again in a new process', 30_000);
    const restarted = lastStart(killedReplica, 0);
    expect(restarted).toEqual(expect.objectContaining({ partition: 0, token: killed.token }));
    expect(procStat(restarted.pid as number)?.ppid).toBe(killedReplica.pid);
    expect((await leases()).get(SUPERVISORS[0]!)).toEqual(expect.objectContaining({ holder: killedReplica.id, token: killed.token }));
    expect(replicas.filter((r) => r !== killedReplica).flatMap((r) => starts(r, 0))).toEqual([]);
    expect(killedReplica.events.filter((e) => e.e === 'lease-lost')).toEqual([]);

    // SIGSTOP of the replica holding partition 1, past its lease: the partition's supervisor process stops
    // its subtree on its own at the deadline, and another replica forks one with a higher token.
    const paused = owner(1);
    const old = lastStart(paused, 1);
    const pausedAt = Date.now();
    paused.pause();
    let resumedAt = 0;
    try {
      await waitFor(() => holderOf(1, paused) !== undefined, 'another replica runs partition 1', 20_000);
      // The paused replica's supervisor processes report through it: wait for the ledger instead.
      await waitFor(async () => (await readLedger(rig.ledger)).some((e) => e.unit === workerOf(1) && e.token > old.token!), 'the new holder of partition 1 writes', 10_000);
    } finally {
      resumedAt = Date.now();
      paused.resume();
    }
    const next = holderOf(1, paused)!;
    const taken = starts(next, 1).at(-1)!;
    expect(taken.token).toBeGreaterThan(old.token!);
    expect(taken.partition).toBe(1);
    expect(procStat(taken.pid as number)?.ppid).toBe(next.pid);
    await waitFor(() => paused.events.some((e) => e.e === 'stop' && e.unit === workerOf(1) && e.token === old.token), 'the paused replica reports partition 1 stopped', 20_000);
    const stop = paused.events.find((e) => e.e === 'stop' && e.unit === workerOf(1) && e.token === old.token)!;
    // Stopped in its own process, on that process's clock, while the replica was still paused.
    expect(stop).toEqual(expect.objectContaining({ pid: old.pid, reason: 'lease-lost', leaseHeld: false }));
    expect(stop.at).toBeLessThan(resumedAt);
    // By its deadline (before the TTL runs out, measured from before the last renewal), give or take
    // a late timer in a process on a loaded machine: the fence covers that (checked below).
    expect(stop.at - pausedAt).toBeLessThanOrEqual(TTL_MS + 1_000);
    await waitFor(() => paused.events.some((e) => e.e === 'node-stopped' && e.unit === SUPERVISORS[1]), 'the resumed replica reports the partition supervisor stopped', 20_000);
    expect(paused.events.find((e) => e.e === 'node-stopped' && e.unit === SUPERVISORS[1])!.reason).toBe('lease-lost');
    expect(paused.events.find((e) => e.e === 'lease-lost' && e.unit === SUPERVISORS[1])).toEqual(expect.objectContaining({ token: old.token }));
    await waitFor(() => procStat(old.pid as number) === undefined, 'the stopped supervisor process is gone', 10_000);

    const entries = await readLedger(rig.ledger);
    // Refused by the fence: at most the one write in flight when SIGSTOP landed between the check and the send.
    const stale = writesAfterTakeover(entries, workerOf(1), old.token!);
    expect(stale.filter((e) => e.accepted)).toEqual([]);
    expect(stale.length).toBeLessThanOrEqual(1);
    expect(ledgerViolations(entries)).toEqual([]);

    // Closed (SIGTERM): every replica and every supervisor process any of them forked is gone.
    await Promise.all(replicas.map((r) => r.stop()));
    await until(() => census!.alive().length === 0, 10_000);
    expect(census.alive()).toEqual([]);
    // Forked: 3 replicas, 4 partition processes, 1 after the SIGKILL, 1 after the takeover (and any handed back).
    expect(census.size).toBeGreaterThanOrEqual(3 + PARTITIONS + 2);
  }, 240_000);
});
