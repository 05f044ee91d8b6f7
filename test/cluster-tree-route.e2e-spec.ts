// Routed calls between Nest app replicas (SupervisionModule.forRoot({ cluster })) across a Redis
// restart: the test makes each replica call the singleton and the partitions of a set of keys
// (service.call, through the replica's stdin), kills the leases' redis-server, and starts it again on
// the same port.
import { expect, it } from '@jest/globals';
import { ClusterNoOwnerError, ClusterRedisError, partitionOf, readClusterView } from '#supertrees/cluster';
import { CallTimeoutError } from '#supertrees';
import { ledgerViolations, readLedger } from './fixtures/cluster-ledger.js';
import { CLUSTER_APP, Replica, useClusterRig, waitFor, type CallOutcome } from './helpers/cluster-replicas.js';
import { redisDescribe } from './helpers/redis-suite.js';

const suite = redisDescribe();

const TTL_MS = 2_000;
const PARTITIONS = 8;
const IDS = ['r1', 'r2', 'r3'];
const SINGLETON = 'root/Reconciler';
const UNITS = [SINGLETON, ...Array.from({ length: PARTITIONS }, (_, p) => `root/Shard#${p}`)];
const KEYS = ['order-1', 'order-2', 'order-3', 'customer-9', 'x', 'y', 'z', '17'];
const TIMEOUT_MS = 1_000;
/** What a call may reject with while Redis is down, by class name (they cross the process boundary as lines). */
const OUTAGE_ERRORS = [ClusterRedisError.name, ClusterNoOwnerError.name, CallTimeoutError.name];
/** A call settles within its timeout; this much more for late timers on a loaded machine. */
const SLACK_MS = 1_500;

interface Call {
  target: string;
  key?: string;
}
const CALLS: Call[] = [{ target: 'Reconciler' }, ...KEYS.map((key) => ({ target: 'Shard', key }))];
const unitOf = (call: Call) => (call.key === undefined ? SINGLETON : `root/Shard#${partitionOf(call.key, PARTITIONS)}`);

suite('cluster: routed calls between Nest app replicas across a Redis restart (real redis-server, real processes)', () => {
  const rig = useClusterRig();
  const { replicas } = rig;

  /** Every call of CALLS from every replica, at once. */
  const callAll = () =>
    Promise.all(replicas.flatMap((r) => CALLS.map(async (call) => ({ caller: r.id, call, outcome: await r.call(call.target, { ...call, timeoutMs: TIMEOUT_MS }) }))));
  /** Succeeds once every call from every replica succeeded in the same round, each answered by the holder of its unit. */
  const allAnswered = async (): Promise<{ caller: string; call: Call; outcome: CallOutcome }[]> => {
    let last: Awaited<ReturnType<typeof callAll>> = [];
    await waitFor(async () => (last = await callAll()).every((c) => c.outcome.ok), 'every call from every replica answered', 40_000).catch((error: Error) => {
      throw new Error(`${error.message}; last round: ${JSON.stringify(last.filter((c) => !c.outcome.ok).map((c) => [c.caller, c.call, c.outcome.name]))}`);
    });
    return last;
  };
  const tokens = async () => new Map((await readClusterView(rig.admin, [{ name: SINGLETON }, { name: 'root/Shard', partitions: PARTITIONS }], { namespace: 'route' })).leases.map((l) => [l.unit, l]));

  it('routes keyed calls between 3 replicas; with Redis killed they reject typed within their timeouts; after its restart they succeed again from every replica', async () => {
    const env = { REDIS_URL: rig.leases.url, LEDGER_URL: rig.ledgerServer.url, NAMESPACE: 'route', TTL_MS: String(TTL_MS), PARTITIONS: String(PARTITIONS) };
    replicas.push(...IDS.map((id) => new Replica(id, env, CLUSTER_APP)));
    await Promise.all(replicas.map((r) => r.ready(60_000)));

    const before = await allAnswered();
    const leases = await tokens();
    for (const { call, outcome } of before) {
      const unit = unitOf(call);
      // The holder answers, whoever called, and its partition is the key's.
      expect(outcome.reply!.member).toBe(leases.get(unit)!.holder);
      expect(outcome.reply!.token).toBe(leases.get(unit)!.token);
      if (call.key !== undefined) expect(outcome.reply!.partition).toBe(partitionOf(call.key, PARTITIONS));
    }
    // Routed between replicas, not only local: each replica had calls answered by another.
    for (const id of IDS) expect(before.some((c) => c.caller === id && c.outcome.reply!.member !== id)).toBe(true);

    const killedAt = Date.now();
    await rig.leases.kill();
    const outage: Awaited<ReturnType<typeof callAll>>[] = [];
    try {
      // Right after the kill: a unit held here may still answer before its deadline; anything else rejects, typed.
      outage.push(await callAll());
      await waitFor(() => replicas.every((r) => r.runningUnits().size === 0), 'every placed worker stopped at its deadline', 15_000);
      // Once every unit stopped, nothing can answer.
      outage.push(await callAll(), await callAll());
    } finally {
      await rig.leases.launch();
    }
    const during = outage.flat();
    console.log(`cluster-tree-route: ${during.length} calls during the outage (${Date.now() - killedAt} ms): ${JSON.stringify(countBy(during.map((c) => (c.outcome.ok ? 'ok' : c.outcome.name!))))}`);
    for (const { outcome } of during) {
      if (!outcome.ok) expect(OUTAGE_ERRORS).toContain(outcome.name);
      expect(outcome.ms).toBeLessThanOrEqual(TIMEOUT_MS + SLACK_MS);
    }
    for (const { outcome } of outage.slice(1).flat()) expect(outcome.ok).toBe(false);

    // Back: every unit runs again, with a newer token, and every replica reaches every one.
    const after = await allAnswered();
    const newLeases = await tokens();
    for (const { call, outcome } of after) expect(outcome.reply!.member).toBe(newLeases.get(unitOf(call))!.holder);
    for (const unit of UNITS) expect(newLeases.get(unit)!.token).toBeGreaterThan(leases.get(unit)!.token!);
    expect(new Set(after.map((c) => c.outcome.reply!.member)).size).toBeGreaterThan(1);
    expect(ledgerViolations(await readLedger(rig.ledger))).toEqual([]);
  }, 180_000);
});

function countBy(items: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[item] = (out[item] ?? 0) + 1;
  return out;
}
