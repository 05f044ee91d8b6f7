// Figure 13: how long 1,000 partitions take to spread over 3 members started together: from the
// moment every member's node has started until every partition runs exactly once, on the member
// rendezvous hashing gives it. Floor: the Redis work underneath, 1,000 lease grants from one client.
import { Redis } from 'ioredis';
import { clusterKeys, unitRef } from '#supertrees/cluster';
import { ACQUIRE, RELEASE } from '../../libs/supertrees/src/cluster/lease.scripts.js';
import { memberConfig, Member, partitionIds, SpreadTracker, TIMING, TIMING_TEXT, until, withRedis } from '../lib/cluster.js';
import { runFigure } from '../lib/harness.js';
import { round, row, type FigureResult } from '../lib/results.js';
import { sleep, summarize } from '../lib/stats.js';

const PARTITIONS = 1_000;
const MEMBERS = 3;
const RUNS = 5;
const NAMESPACE = 'spread';
const UNIT = 'shard';

interface Spread {
  /** From the last member's `ready` (its node started) to the final spread. */
  fromReadyMs: number;
  /** From the first fork to the final spread (includes starting the processes). */
  fromForkMs: number;
}

/** Forks MEMBERS members at once and times the spread; then stops them (leases released, membership left). */
async function spreadOnce(url: string, round: number): Promise<Spread> {
  const ids = Array.from({ length: MEMBERS }, (_, i) => `r${round}-m${i + 1}`);
  const tracker = new SpreadTracker(partitionIds(UNIT, PARTITIONS), ids);
  const t0 = performance.now();
  const members = ids.map((id) => new Member(id, memberConfig(url, NAMESPACE, id, [{ name: UNIT, partitions: PARTITIONS }]), tracker.report));
  let readyAt = 0;
  try {
    await until(() => members.every((m) => m.ready), 'every member ready');
    readyAt = performance.now();
    await until(() => tracker.done, `${PARTITIONS} partitions spread`, 60_000);
    // Final only if it stays so for two renewal intervals.
    await sleep(2 * TIMING.renewIntervalMs);
    if (!tracker.done || tracker.doneAt === undefined) throw new Error('the spread changed after it was reached');
    return { fromReadyMs: Math.max(0, tracker.doneAt - readyAt), fromForkMs: tracker.doneAt - t0 };
  } finally {
    await Promise.all(members.map((m) => m.stop()));
  }
}

/** The floor: one client grants itself every lease (the ACQUIRE script, all in flight at once), then gives them back untimed. */
async function grantAll(url: string): Promise<number> {
  const client = new Redis(url);
  try {
    const keys = clusterKeys(NAMESPACE);
    const refs = Array.from({ length: PARTITIONS }, (_, p) => unitRef(UNIT, p));
    const t0 = performance.now();
    const replies = (await Promise.all(
      refs.map((ref) => client.evalsha(ACQUIRE.sha1, 2, keys.lease(ref), keys.fence(ref), 'floor', TIMING.leaseTtlMs)),
    )) as [string, number][];
    const ms = performance.now() - t0;
    const granted = replies.filter((r) => r[0] === 'granted').length;
    if (granted !== PARTITIONS) throw new Error(`the floor was granted ${granted} of ${PARTITIONS} leases`);
    await Promise.all(refs.map((ref, i) => client.evalsha(RELEASE.sha1, 1, keys.lease(ref), 'floor', replies[i]![1])));
    return ms;
  } finally {
    client.disconnect();
  }
}

async function measure(): Promise<FigureResult> {
  return withRedis(async (server) => {
    const loader = new Redis(server.url);
    await Promise.all([ACQUIRE, RELEASE].map((s) => loader.script('LOAD', s.source)));
    loader.disconnect();
    // A fresh namespace first: every unit waits one TTL for its new fence record (see ARCHITECTURE).
    const cold = await spreadOnce(server.url, 0);
    const spreads: Spread[] = [];
    const floors: number[] = [];
    for (let run = 1; run <= RUNS; run += 1) {
      spreads.push(await spreadOnce(server.url, run));
      floors.push(await grantAll(server.url));
    }
    return {
      number: 13,
      id: 'cluster-spread',
      title: 'Cluster: spreading 1,000 partitions over 3 members',
      setup:
        `${MEMBERS} member processes (${TIMING_TEXT}) forked together with one unit of ${PARTITIONS} partitions, in a namespace ` +
        `whose fence records exist (after one unmeasured cold round); timed from the moment the last member's node had started ` +
        `until every partition ran exactly once, on its rendezvous owner (as the members report over IPC), and stayed so for two ` +
        `intervals; then the members stop and release. ${RUNS} rounds. Floor, interleaved: one ioredis client runs the ACQUIRE ` +
        `script for all ${PARTITIONS} leases at once on the same Redis.`,
      rows: [
        row(`every member started → ${PARTITIONS} partitions each held once`, 'ms', summarize(spreads.map((s) => s.fromReadyMs), 1), {
          what: `${PARTITIONS} lease grants from one client`,
          value: summarize(floors, 1),
        }),
      ],
      details: {
        fromFirstForkMs: summarize(spreads.map((s) => s.fromForkMs), 1),
        coldFromReadyMs: round(cold.fromReadyMs, 1),
        coldFromForkMs: round(cold.fromForkMs, 1),
        renewIntervalMs: TIMING.renewIntervalMs,
      },
      notes: [
        'A member learns of the others only at its renewal ticks: the first to start may take every partition, and hands those ' +
          'that belong elsewhere back (stop, release) once it sees the others; they acquire them at their next tick or when woken ' +
          'by the release. So the spread is a few renewal intervals, not the Redis work of the floor. In a fresh namespace ' +
          '(the cold round) every first grant also waits one TTL for its new fence record.',
      ],
    };
  });
}

await runFigure(measure);
