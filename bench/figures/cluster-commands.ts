// Figure 12: Redis commands each member sends per renewal interval once its partitions are spread,
// with 10, 100 and 1,000 partitions over 3 members: flat in the partition count, because one script
// heartbeats and renews every lease a member holds. Counted with MONITOR on the figure's own Redis.
import { Redis } from 'ioredis';
import { memberConfig, Member, partitionIds, SpreadTracker, TIMING, TIMING_TEXT, until, withRedis } from '../lib/cluster.js';
import { runFigure } from '../lib/harness.js';
import { round, row, type FigureResult, type Json, type Summary } from '../lib/results.js';
import { sleep, summarize } from '../lib/stats.js';

const COUNTS = [10, 100, 1_000] as const;
const MEMBERS = 3;
/** Renewal intervals counted per partition count. */
const INTERVALS = 12;

interface Counted {
  perMember: Summary;
  /** Commands by name, all members together, over the window. */
  byCommand: Record<string, number>;
  /** Redis CPU per renewal script (µs), from INFO commandstats over a window without MONITOR. */
  usecPerTick: number;
}

/** evalsha's calls and usec from INFO commandstats. */
async function evalshaStats(admin: Redis): Promise<{ calls: number; usec: number }> {
  const info = await admin.info('commandstats');
  const match = /cmdstat_evalsha:calls=(\d+),usec=(\d+)/.exec(info);
  return { calls: Number(match?.[1] ?? 0), usec: Number(match?.[2] ?? 0) };
}

async function countFor(url: string, partitions: number): Promise<Counted> {
  const namespace = `commands-${partitions}`;
  const ids = Array.from({ length: MEMBERS }, (_, i) => `${namespace}-m${i + 1}`);
  const tracker = new SpreadTracker(partitionIds('shard', partitions), ids);
  const members = ids.map((id) => new Member(id, memberConfig(url, namespace, id, [{ name: 'shard', partitions }]), tracker.report));
  const admin = new Redis(url);
  const monitor = await admin.duplicate().monitor();
  try {
    await until(() => tracker.done, `${partitions} partitions spread over ${MEMBERS} members`, 60_000);
    // Settled: no acquire or release in flight any more.
    await sleep(2 * TIMING.renewIntervalMs);
    const names = new Map<string, string>();
    const list = String(await admin.client('LIST'));
    for (const line of list.split('\n')) {
      const addr = /addr=(\S+)/.exec(line)?.[1];
      const name = /name=supertrees:(\S+)/.exec(line)?.[1];
      if (addr && name) names.set(addr, name);
    }
    const perMember = new Map(ids.map((id) => [id, 0]));
    const byCommand: Record<string, number> = {};
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      const member = names.get(source);
      if (member === undefined) return; // a script's own calls ('lua'), or this figure's clients
      perMember.set(member, perMember.get(member)! + 1);
      const command = String(args[0]).toLowerCase();
      byCommand[command] = (byCommand[command] ?? 0) + 1;
    });
    const t0 = performance.now();
    await sleep(INTERVALS * TIMING.renewIntervalMs);
    const intervals = (performance.now() - t0) / TIMING.renewIntervalMs;
    monitor.disconnect();
    // Redis's own time per renewal script, measured without MONITOR (which slows every call a script makes).
    const before = await evalshaStats(admin);
    await sleep((INTERVALS / 2) * TIMING.renewIntervalMs);
    const after = await evalshaStats(admin);
    if (!tracker.done) throw new Error(`${partitions} partitions: the spread changed during the count`);
    if (names.size < MEMBERS) throw new Error(`found ${names.size} of ${MEMBERS} members' connections in CLIENT LIST`);
    return {
      perMember: summarize([...perMember.values()].map((n) => n / intervals), 2),
      byCommand,
      usecPerTick: round((after.usec - before.usec) / Math.max(1, after.calls - before.calls), 1),
    };
  } finally {
    monitor.disconnect();
    admin.disconnect();
    await Promise.all(members.map((m) => m.stop()));
  }
}

async function measure(): Promise<FigureResult> {
  return withRedis(async (server) => {
    const counted = new Map<number, Counted>();
    for (const partitions of COUNTS) counted.set(partitions, await countFor(server.url, partitions));
    const base = counted.get(COUNTS[0])!.perMember;
    const details: Record<string, Json> = {};
    for (const [partitions, c] of counted) details[`partitions${partitions}`] = { byCommand: c.byCommand, redisUsecPerRenewal: c.usecPerTick };
    return {
      number: 12,
      id: 'cluster-commands',
      title: 'Cluster: Redis commands per member per renewal',
      setup:
        `${MEMBERS} member processes (${TIMING_TEXT}) with one unit partitioned into ${COUNTS.join(', ')} partitions, each count in a ` +
        `namespace of its own. Once every partition runs on its rendezvous owner and ${2 * TIMING.renewIntervalMs} ms more have passed, ` +
        `MONITOR on the figure's own redis-server counts the commands each member's connection sends for ${INTERVALS} renewal ` +
        `intervals (commands a script runs inside Redis are not counted: they are not round trips). Per member, per interval. ` +
        `Floor: the same count with ${COUNTS[0]} partitions, same run.`,
      rows: COUNTS.map((partitions) => {
        const value = counted.get(partitions)!.perMember;
        return partitions === COUNTS[0]
          ? row(`commands per member per interval, ${partitions} partitions`, 'cmds', value, undefined, {
              text: '≤ 2 (the renewal, and at most one view publish)',
              met: value.max <= 2,
            })
          : row(`commands per member per interval, ${partitions} partitions`, 'cmds', value, { what: `${COUNTS[0]} partitions`, value: base }, {
              text: '≤ 1.2× floor (flat)',
              met: value.median <= 1.2 * base.median,
            });
      }),
      details,
      notes: [
        'Each member sends one EVALSHA per interval whatever it holds; the script renews every lease in it. Right after it, the ' +
          'view publisher sends its pipeline: SET of the tree when it changed, else a PEXPIRE of it every leaseTtlMs / 3, and ' +
          'an XADD per cluster event (none once the spread is final). What grows with the partition count is the work Redis ' +
          'does inside the renewal script (redisUsecPerRenewal in the details), not the commands.',
      ],
    };
  });
}

await runFigure(measure);
