// ~20 s of random kills, pauses and restarts of replicas and of Redis; then the fenced ledger must
// show no accepted write from a stale owner and no two owners interleaving on any unit.
// Replay a run with CLUSTER_CHAOS_SEED=<seed>; make it longer with CLUSTER_CHAOS_SECONDS.
import { afterAll, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { ledgerViolations, readLedger } from './fixtures/cluster-ledger.js';
import { Replica, waitFor } from './helpers/cluster-replicas.js';
import { RedisServer } from './helpers/redis-server.js';
import { redisDescribe } from './helpers/redis-suite.js';

const suite = redisDescribe();

const SECONDS = Number(process.env.CLUSTER_CHAOS_SECONDS ?? 20);
const SEED = Number(process.env.CLUSTER_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const UNITS = [{ name: 'Reconciler' }, { name: 'Consumer', partitions: 8 }];
const IDS = ['c1', 'c2', 'c3'];

function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

suite('cluster chaos (real redis-server, real processes)', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it(`keeps every unit to one owner at a time through ${SECONDS} s of kills, pauses and restarts (seed ${SEED})`, async () => {
    console.log(`cluster chaos seed=${SEED} (replay: CLUSTER_CHAOS_SEED=${SEED})`);
    const random = mulberry32(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const between = (lo: number, hi: number) => Math.round(lo + random() * (hi - lo));

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

    const actions: string[] = [];
    const pending: Promise<void>[] = [];
    const later = (ms: number, what: () => Promise<void> | void) =>
      pending.push(new Promise<void>((resolve) => setTimeout(() => void Promise.resolve(what()).finally(resolve), ms)));
    let redisBusy = false;
    const busy = new Set<string>();
    const end = Date.now() + SECONDS * 1000;
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, between(400, 1200)));
      const roll = random();
      const id = pick(IDS.filter((i) => !busy.has(i)).concat(['none']));
      if (roll < 0.25 && id !== 'none') {
        busy.add(id);
        const down = between(200, 2500);
        actions.push(`kill ${id}, back in ${down} ms`);
        await replicas.get(id)!.kill();
        later(down, async () => {
          await spawnReplica(id).ready();
          busy.delete(id);
        });
      } else if (roll < 0.5 && id !== 'none') {
        busy.add(id);
        const pause = between(500, 4500);
        actions.push(`pause ${id} for ${pause} ms`);
        replicas.get(id)!.pause();
        later(pause, () => {
          replicas.get(id)!.resume();
          busy.delete(id);
        });
      } else if (roll < 0.65 && !redisBusy) {
        redisBusy = true;
        const down = between(100, 3000);
        actions.push(`kill redis, back in ${down} ms`);
        await leases.kill();
        later(down, async () => {
          await leases.launch();
          redisBusy = false;
        });
      } else if (roll < 0.8 && !redisBusy) {
        redisBusy = true;
        const pause = between(200, 3000);
        actions.push(`pause redis for ${pause} ms`);
        leases.pause();
        later(pause, () => {
          leases.resume();
          redisBusy = false;
        });
      } else if (id !== 'none') {
        busy.add(id);
        actions.push(`stop ${id} (SIGTERM) and start it again`);
        await replicas.get(id)!.stop();
        await spawnReplica(id).ready();
        busy.delete(id);
      }
    }
    await Promise.all(pending);
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
