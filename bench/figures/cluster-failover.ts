// Figure 11: how long a singleton is down after SIGKILL of the member that runs it, against the lease
// TTL (the floor: another member may take over only once the lease expired in Redis).
import { memberConfig, Member, TIMING, TIMING_TEXT, until, withRedis } from '../lib/cluster.js';
import { runFigure } from '../lib/harness.js';
import { round, row, type FigureResult } from '../lib/results.js';
import { sleep, summarize } from '../lib/stats.js';

const RUNS = 8;
const MEMBERS = 3;
const UNIT = 'singleton';

interface Failover {
  ms: number;
  oldToken: number;
  newToken: number;
}

async function measure(): Promise<FigureResult> {
  return withRedis(async (server) => {
    let next = 0;
    const spawn = () => new Member(`m${++next}`, memberConfig(server.url, 'failover', `m${next}`, [{ name: UNIT }]));
    const members = Array.from({ length: MEMBERS }, spawn);
    const holder = () => members.filter((m) => m.running.has(UNIT));
    const samples: Failover[] = [];
    try {
      await until(() => holder().length === 1, 'the first holder of the singleton');
      for (let run = 0; run < RUNS; run += 1) {
        // Kill at a different point of the holder's renewal cycle each time.
        await sleep(TIMING.renewIntervalMs + (run * TIMING.renewIntervalMs) / RUNS);
        const [victim] = holder();
        if (!victim || holder().length !== 1) throw new Error(`run ${run}: ${holder().length} holders before the kill`);
        const oldToken = victim.running.get(UNIT)!;
        const t0 = performance.now();
        await victim.kill();
        members.splice(members.indexOf(victim), 1);
        await until(() => members.some((m) => (m.startedAt.get(UNIT) ?? 0) > t0), `run ${run}: another member running ${UNIT}`, 4 * TIMING.leaseTtlMs);
        const [heir] = holder();
        samples.push({ ms: heir!.startedAt.get(UNIT)! - t0, oldToken, newToken: heir!.running.get(UNIT)! });
        if (holder().length !== 1) throw new Error(`run ${run}: ${holder().length} holders after the failover`);
        const fresh = spawn();
        members.push(fresh);
        await until(() => fresh.ready, `member ${fresh.id} ready`);
      }
    } finally {
      await Promise.all(members.map((m) => m.kill()));
    }
    if (samples.some((s) => s.newToken <= s.oldToken)) throw new Error(`a token did not grow: ${JSON.stringify(samples)}`);
    const failover = summarize(samples.map((s) => s.ms), 1);
    const ttl = summarize([TIMING.leaseTtlMs]);
    const excess = summarize(samples.map((s) => s.ms - TIMING.leaseTtlMs), 1);
    return {
      number: 11,
      id: 'cluster-failover',
      title: 'Cluster: singleton failover after SIGKILL',
      setup:
        `${MEMBERS} member processes (a ClusterNode each, ${TIMING_TEXT}) on a redis-server of the figure's own; the holder of a ` +
        `singleton is SIGKILLed ${RUNS} times, each time at a different point of its renewal cycle, and a fresh member replaces it. ` +
        `Timed from the kill until another member reports the unit started (IPC). Floor: the lease TTL, the earliest a lease ` +
        `that was renewed just before the kill can expire.`,
      rows: [
        row('SIGKILL of the holder → singleton running elsewhere', 'ms', failover, { what: 'lease TTL (configured)', value: ttl }, {
          text: '≤ TTL + 1 s',
          met: failover.max <= TIMING.leaseTtlMs + 1_000,
        }),
      ],
      details: {
        excessOverTtlMs: excess,
        samplesMs: samples.map((s) => round(s.ms, 1)),
        tokens: samples.map((s) => [s.oldToken, s.newToken]),
      },
      notes: [
        'The lease expires in Redis one TTL after the last renewal the killed member sent (0 to one renewal interval before the kill); ' +
          'the survivors see the member gone at their first renewal after its heartbeat expired (up to one interval later), place the ' +
          'singleton on one of them, and it acquires at once. So the expected range is TTL − interval to TTL + interval plus one round trip. ' +
          'The goal is judged on the worst sample, not the median.',
      ],
    };
  });
}

await runFigure(measure);
