// The fault loop of the cluster chaos suites (bare ClusterNode replicas in cluster-chaos, Nest app
// replicas in cluster-tree-chaos): seeded random SIGKILLs, SIGSTOP pauses and SIGTERM restarts of
// replicas, and kills and pauses of the leases' Redis.
import type { Replica } from './cluster-replicas.js';
import type { RedisServer } from './redis-server.js';

/** The seed of a run: `process.env[variable]` when set (a replay), else a fresh random one. */
export function chaosSeed(variable: string): number {
  return Number(process.env[variable] ?? Math.floor(Math.random() * 2 ** 31));
}

function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ChaosRun {
  readonly seconds: number;
  readonly seed: number;
  /** The replicas' member ids. */
  readonly ids: readonly string[];
  /** The replica running under each id now. */
  readonly replicas: ReadonlyMap<string, Replica>;
  /** Starts a new replica under `id` (it replaces the one in `replicas`) and resolves once it is ready. */
  readonly spawn: (id: string) => Promise<void>;
  /** The Redis of the leases: killed and started again on its port, or paused. */
  readonly leases: RedisServer;
}

/**
 * Deals faults for `seconds`, one every 0.4 to 1.2 s, never two at once to the same replica or to
 * Redis, and resolves once everything is back (replicas started again, resumed; Redis up), with
 * what it did, in order; rejects if something could not be brought back.
 */
export async function runChaos({ seconds, seed, ids, replicas, spawn, leases }: ChaosRun): Promise<string[]> {
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const between = (lo: number, hi: number) => Math.round(lo + random() * (hi - lo));
  const actions: string[] = [];
  const pending: Promise<void>[] = [];
  const failures: unknown[] = [];
  // A recovery that fails (a replica that exits before it is ready) fails the run once all are settled.
  const later = (ms: number, what: () => Promise<void> | void) =>
    pending.push(new Promise<void>((resolve) => setTimeout(() => void Promise.resolve().then(what).catch((e: unknown) => failures.push(e)).finally(resolve), ms)));
  let redisBusy = false;
  const busy = new Set<string>();
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, between(400, 1200)));
    const roll = random();
    const id = pick(ids.filter((i) => !busy.has(i)).concat(['none']));
    if (roll < 0.25 && id !== 'none') {
      busy.add(id);
      const down = between(200, 2500);
      actions.push(`kill ${id}, back in ${down} ms`);
      await replicas.get(id)!.kill();
      later(down, async () => {
        await spawn(id);
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
      await spawn(id);
      busy.delete(id);
    }
  }
  await Promise.all(pending);
  if (failures.length > 0) throw new AggregateError(failures, `cluster chaos (seed ${seed}): ${failures.length} recoveries failed after:\n${actions.join('\n')}`);
  return actions;
}
