// The routed call's round trip against its floor, a Redis PING round trip, measured interleaved in
// one process on one Redis (for a figure in bench/figures/cluster-*.ts, and runnable on its own:
// `node dist/bench/lib/routed-call.js redis://127.0.0.1:PORT`). Two members in this process, each
// with its own connections: a call from A to B's singleton is PUBLISH A→Redis→B, B's dispatch,
// PUBLISH B→Redis→A, so it crosses Redis twice; the floor crosses it once. With `calls` direct
// (`node dist/bench/lib/routed-call.js URL N direct`), the call goes on A's TCP connection to B instead.
import { Redis } from 'ioredis';
import { performance } from 'node:perf_hooks';
import { ClusterNode, ClusterRouter, ownerOf, type ClusterOptions, type UnitHost, type UnitRef } from '../../libs/supertrees/src/cluster/index.js';
import type { Summary } from './results.js';
import { sleep, summarize } from './stats.js';

export interface RoutedCallFigure {
  /** Round trip of a routed call to a singleton on the other member, µs. */
  readonly routedUs: Summary;
  /** Round trip of PING on a client of the same Redis, µs: the floor. */
  readonly pingUs: Summary;
  /** routed median / ping median. The goal: within 3. */
  readonly ratio: number;
}

const UNIT: UnitRef = { id: 'bench/Echo', name: 'bench/Echo' };
const host: UnitHost = { start: async () => undefined, stop: async () => undefined };

/** Two members on `redisUrl` (namespace `bench-route-<pid>`), `rounds` interleaved PING / routed-call pairs after `warmup` of each. */
export async function measureRoutedCall(redisUrl: string, rounds = 2_000, warmup = 200, calls?: ClusterOptions['calls']): Promise<RoutedCallFigure> {
  const namespace = `bench-route-${process.pid}-${calls?.transport ?? 'redis'}`;
  // Member ids picked so that B owns the unit: A's calls cross Redis.
  let salt = 0;
  while (ownerOf(UNIT.id, [`a-${salt}`, `b-${salt}`]) !== `b-${salt}`) salt += 1;
  const members = [`a-${salt}`, `b-${salt}`].map((memberId) => {
    const node = new ClusterNode(
      { redis: redisUrl, namespace, memberId, leaseTtlMs: 3_000, renewIntervalMs: 400, safetyMarginMs: 800, commandTimeoutMs: 400, logger: false, ...(calls ? { calls } : {}) },
      [{ name: UNIT.id }],
      host,
    );
    return { node, router: new ClusterRouter(node, async (_unit, _kind, message) => message, { logger: false }) };
  });
  const ping = new Redis(redisUrl);
  try {
    for (const m of members) {
      await m.router.listen();
      await m.node.start();
      await m.router.start();
    }
    const [a, b] = members as [(typeof members)[0], (typeof members)[0]];
    // A fresh unit is granted one lease TTL after its fence record is created.
    const deadline = Date.now() + 30_000;
    while (!b.node.holds(UNIT.id)) {
      if (Date.now() > deadline) throw new Error('the bench unit was not acquired within 30 s');
      await sleep(50);
    }
    const routed: number[] = [];
    const pings: number[] = [];
    for (let i = 0; i < warmup + rounds; i++) {
      let t = performance.now();
      await ping.ping();
      const p = performance.now() - t;
      t = performance.now();
      await a.router.call(UNIT, i, { timeoutMs: 5_000 });
      const r = performance.now() - t;
      if (i >= warmup) {
        pings.push(p * 1_000);
        routed.push(r * 1_000);
      }
    }
    if (calls?.transport === 'direct' && a.router.stats.direct < rounds) throw new Error(`only ${a.router.stats.direct} of the calls went on the direct channel`);
    const routedUs = summarize(routed, 1);
    const pingUs = summarize(pings, 1);
    return { routedUs, pingUs, ratio: Math.round((routedUs.median / pingUs.median) * 100) / 100 };
  } finally {
    ping.disconnect();
    for (const m of members) await m.router.stop();
    await Promise.all(members.map((m) => m.node.stop()));
  }
}

if (process.argv[1]?.endsWith('routed-call.js') && process.argv[2]) {
  const calls = process.argv[4] === 'direct' ? ({ transport: 'direct', listen: { host: '127.0.0.1' } } as const) : undefined;
  console.log(JSON.stringify(await measureRoutedCall(process.argv[2], Number(process.argv[3] ?? 2_000), 200, calls)));
}
