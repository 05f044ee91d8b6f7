// ~20 s of random kills, pauses and restarts of replicas and of Redis; then the fenced ledger must
// show no accepted write from a stale owner and no two owners interleaving on any unit.
// Replay a run with CLUSTER_CHAOS_SEED=<seed>; make it longer with CLUSTER_CHAOS_SECONDS.
import { afterAll, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { ledgerViolations, readLedger } from './fixtures/cluster-ledger.js';
import { chaosSeed, runChaos } from './helpers/cluster-chaos.js';
import { Replica, waitFor } from './helpers/cluster-replicas.js';
import { RedisServer } from './helpers/redis-server.js';
import { redisDescribe } from './helpers/redis-suite.js';

const suite = redisDescribe();

const SECONDS = Number(process.env.CLUSTER_CHAOS_SECONDS ?? 20);
const SEED = chaosSeed('CLUSTER_CHAOS_SEED');
const UNITS = [{ name: 'Reconciler' }, { name: 'Consumer', partitions: 8 }];
const IDS = ['c1', 'c2', 'c3'];

suite('cluster chaos (real redis-server, real processes)', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it(`keeps every unit to one owner at a time through ${SECONDS} s of kills, pauses and restarts (seed ${SEED})`, async () => {
    console.log(`cluster chaos seed=${SEED} (replay: CLUSTER_CHAOS_SEED=${SEED})`);
    const [leases, ledgerServer] = await Promise.all([RedisServer.start(), RedisServer.start()]);
    cleanup.push(() => leases.close(), () => ledgerServer.close());
    const ledger = new Redis(ledgerServer.url, { maxRetriesPerRequest: 1 });
    cleanup.push(async () => ledger.disconnect());
    const env = { REDIS_URL: leases.url, LEDGER_URL: ledgerServer.url, NAMESPACE: 'chaos', UNITS: JSON.stringify(UNITS), WRITE_EVERY_MS: '50' };
    const replicas = new Map<string, Replica>();
    const all: Replica[] = [];
    const spawnReplica = (id: string) => {
      const r = new Replica(id, env);
      replicas.set(id, r);
      all.push(r);
      return r;
    };
    cleanup.push(async () => void (await Promise.all(all.map((r) => r.kill()))));
    await Promise.all(IDS.map((id) => spawnReplica(id).ready()));

    const actions = await runChaos({ seconds: SECONDS, seed: SEED, ids: IDS, replicas, spawn: (id) => spawnReplica(id).ready(), leases });
    // Everything is back: every unit runs again somewhere.
    await waitFor(() => {
      const running = new Set([...replicas.values()].flatMap((r) => [...r.runningUnits().keys()]));
      return running.size === 9;
    }, 'all 9 units running after the chaos', 30_000);

    // The owners write every 50 ms; on a loaded machine the chaos itself may leave few writes (units stop
    // whenever their replica cannot renew in time), so wait for the final owners to add theirs.
    let entries = await readLedger(ledger);
    await waitFor(async () => (entries = await readLedger(ledger)).length > 100, 'more than 100 accepted ledger writes', 60_000);
    const violations = ledgerViolations(entries);
    if (violations.length > 0) console.log(`seed ${SEED} actions:\n${actions.join('\n')}`);
    expect(violations).toEqual([]);
    // It was chaos: the units changed hands.
    const tokens = new Set(entries.map((e) => `${e.unit} ${e.token}`));
    expect(tokens.size).toBeGreaterThan(9);
  }, 180_000);
});
