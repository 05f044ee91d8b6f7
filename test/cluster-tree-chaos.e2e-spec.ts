// Cluster chaos with Nest app replicas (SupervisionModule.forRoot({ cluster }), fixtures/cluster-app.ts)
// rather than bare ClusterNodes: ~20 s of random SIGKILLs, SIGSTOP pauses and SIGTERM restarts of the
// replicas and kills and pauses of Redis. The singleton runs in a supervisor process of each replica
// (root/Ops/Reconciler), so replicas killed with SIGKILL leave processes behind if anything does.
// Then: the fenced ledger shows no accepted stale write and no two owners interleaving, every unit runs
// on exactly one replica, and no process outlives its replica.
// Replay a run with CLUSTER_TREE_CHAOS_SEED=<seed>; make it longer with CLUSTER_TREE_CHAOS_SECONDS.
import { expect, it } from '@jest/globals';
import { readClusterView } from '#supertrees/cluster';
import { allProcesses, descendantsIn } from '../libs/supertrees/src/testing/proc.js';
import { fencedInFlight, ledgerViolations, readLedger, type LedgerEntry } from './fixtures/cluster-ledger.js';
import { chaosSeed, runChaos } from './helpers/cluster-chaos.js';
import { CLUSTER_APP, Replica, ReplicaCensus, useClusterRig, waitFor } from './helpers/cluster-replicas.js';
import { until } from './helpers/poll.js';
import { redisDescribe } from './helpers/redis-suite.js';

const suite = redisDescribe();

const SECONDS = Number(process.env.CLUSTER_TREE_CHAOS_SECONDS ?? 20);
const SEED = chaosSeed('CLUSTER_TREE_CHAOS_SEED');
const PARTITIONS = 8;
const IDS = ['n1', 'n2', 'n3'];
const SINGLETON = 'root/Ops/Reconciler';
const UNITS = [SINGLETON, ...Array.from({ length: PARTITIONS }, (_, p) => `root/Shard#${p}`)];

suite('cluster chaos with Nest app replicas (real redis-server, real processes)', () => {
  const rig = useClusterRig();

  it(`runs every unit exactly once, fenced, with no orphan, after ${SECONDS} s of kills, pauses and restarts (seed ${SEED})`, async () => {
    console.log(`cluster tree chaos seed=${SEED} (replay: CLUSTER_TREE_CHAOS_SEED=${SEED})`);
    const env = { REDIS_URL: rig.leases.url, LEDGER_URL: rig.ledgerServer.url, NAMESPACE: 'tchaos', PARTITIONS: String(PARTITIONS), FORKED: '1', WRITE_EVERY_MS: '50' };
    const replicas = new Map<string, Replica>();
    const census = new ReplicaCensus(rig.replicas);
    const spawn = (id: string) => {
      const r = new Replica(id, env, CLUSTER_APP);
      replicas.set(id, r);
      rig.replicas.push(r);
      return r.ready(60_000);
    };
    try {
      await Promise.all(IDS.map(spawn));
      const actions = await runChaos({ seconds: SECONDS, seed: SEED, ids: IDS, replicas, spawn, leases: rig.leases });
      const live = () => [...replicas.values()];

      // Every unit on exactly one replica, by the replicas' own reports and by the leases in Redis.
      let placement = new Map<string, string[]>();
      await waitFor(
        async () => {
          placement = new Map(UNITS.map((u) => [u, live().filter((r) => r.runningUnits().has(u)).map((r) => r.id)]));
          if (![...placement.values()].every((holders) => holders.length === 1)) return false;
          const view = await readClusterView(rig.admin, [{ name: SINGLETON }, { name: 'root/Shard', partitions: PARTITIONS }], { namespace: 'tchaos' });
          return view.members.length === IDS.length && view.leases.every((l) => l.holder === placement.get(l.unit)![0]);
        },
        'every unit running on exactly one replica, the holder of its lease',
        60_000,
      ).catch((error: Error) => {
        throw new Error(`${error.message}: ${JSON.stringify([...placement])}; seed ${SEED} actions:\n${actions.join('\n')}`);
      });

      // The final owners add their writes (the chaos itself may leave few on a loaded machine).
      let entries: LedgerEntry[] = [];
      await waitFor(async () => (entries = await readLedger(rig.ledger)).length > 100, 'more than 100 ledger writes', 60_000);
      const violations = ledgerViolations(entries);
      if (violations.length > 0) console.log(`seed ${SEED} actions:\n${actions.join('\n')}`);
      expect(violations).toEqual([]);
      console.log(
        `cluster tree chaos seed=${SEED}: ${actions.length} faults, ${rig.replicas.length} replica processes, ${census.size} processes seen, ` +
          `${entries.length} ledger writes, ${fencedInFlight(entries).length} in flight refused by the fence`,
      );
      expect(new Set(entries.map((e) => e.unit))).toEqual(new Set(UNITS));
      // It was chaos: units changed hands.
      expect(new Set(entries.map((e) => `${e.unit} ${e.token}`)).size).toBeGreaterThan(UNITS.length);

      // No orphan: what is alive is the live replicas and what they run now; the rest went with its replica.
      const current = () => {
        const all = allProcesses();
        return new Set(live().flatMap((r) => [r.pid, ...descendantsIn(all, r.pid).map((p) => p.pid)]));
      };
      await until(() => census.alive().every((p) => current().has(p.pid)), 10_000);
      expect(census.alive().filter((p) => !current().has(p.pid))).toEqual([]);
      await Promise.all(live().map((r) => r.stop()));
      await until(() => census.alive().length === 0, 10_000);
      expect(census.alive()).toEqual([]);
    } finally {
      census.stop();
    }
  }, 300_000);
});
