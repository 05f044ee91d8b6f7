import { expect, it } from '@jest/globals';
import { ownerOf, readClusterView } from '#supertrees/cluster';
import { ledgerViolations, readLedger, writesAfterTakeover } from './fixtures/cluster-ledger.js';
import { Replica, useClusterRig, waitFor } from './helpers/cluster-replicas.js';
import { redisDescribe } from './helpers/redis-suite.js';

const suite = redisDescribe();

const TTL_MS = 3_000;
const UNITS = [{ name: 'Reconciler' }];

suite('cluster: a singleton across 3 replicas (real redis-server, real processes)', () => {
  const rig = useClusterRig();
  const { replicas } = rig;
  let namespace = '';
  let run = 0;


  const startReplicas = async (ids: string[]) => {
    run += 1;
    namespace = `singleton${run}`;
    const env = { REDIS_URL: rig.leases.url, LEDGER_URL: rig.ledgerServer.url, NAMESPACE: namespace, UNITS: JSON.stringify(UNITS), TTL_MS: String(TTL_MS) };
    const started = ids.map((id) => new Replica(id, env));
    replicas.push(...started);
    await Promise.all(started.map((r) => r.ready()));
    return started;
  };
  const holders = () => replicas.filter((r) => r.running && r.runningUnits().has('Reconciler'));
  const view = () => readClusterView(rig.admin, UNITS, { namespace });

  it('runs exactly once across 3 replicas, and the view names the holder and its token', async () => {
    const ids = ['r1', 'r2', 'r3'];
    await startReplicas(ids);
    // Replicas that start together may see each other one renewal apart, and the singleton may move
    // once while their views converge; from then on it stays with its rendezvous owner.
    const owner = ownerOf('Reconciler', ids);
    await waitFor(() => holders().length === 1 && holders()[0]!.id === owner, 'its rendezvous owner runs the singleton');
    const holder = holders()[0]!;
    const starts = replicas.flatMap((r) => r.events.filter((e) => e.e === 'start')).length;
    const from = (await readLedger(rig.ledger)).length;
    await waitFor(async () => (await readLedger(rig.ledger)).length >= from + 20, '20 more ledger writes');
    const entries = await readLedger(rig.ledger);
    expect(ledgerViolations(entries)).toEqual([]);
    expect(new Set(entries.slice(from).map((e) => e.writer))).toEqual(new Set([holder.id]));
    expect(replicas.flatMap((r) => r.events.filter((e) => e.e === 'start'))).toHaveLength(starts);
    const v = await view();
    expect(v.members.map((m) => m.id).sort()).toEqual(['r1', 'r2', 'r3']);
    expect(v.leases).toEqual([
      expect.objectContaining({ unit: 'Reconciler', holder: holder.id, token: holder.runningUnits().get('Reconciler') }),
    ]);
    expect(v.leases[0]!.expiresAt! - v.at).toBeLessThanOrEqual(TTL_MS);
  });

  it('after SIGKILL of the holder, another replica runs it within TTL + 1 s, with a higher token', async () => {
    await startReplicas(['r1', 'r2', 'r3']);
    await waitFor(() => holders().length === 1 && holders()[0]!.id === ownerOf('Reconciler', ['r1', 'r2', 'r3']), 'its owner runs the singleton');
    const victim = holders()[0]!;
    const oldToken = victim.runningUnits().get('Reconciler')!;
    const killedAt = Date.now();
    await victim.kill();
    await waitFor(() => holders().length === 1, 'another replica runs the singleton', 15_000);
    const next = holders()[0]!;
    const started = next.events.filter((e) => e.e === 'start').at(-1)!;
    expect(next.id).not.toBe(victim.id);
    expect(started.token).toBeGreaterThan(oldToken);
    expect(started.at - killedAt).toBeLessThanOrEqual(TTL_MS + 1_000);
    await waitFor(async () => (await readLedger(rig.ledger)).some((e) => e.writer === next.id), 'the new holder writes');
    expect(ledgerViolations(await readLedger(rig.ledger))).toEqual([]);
  });

  it('a holder paused past its lease is replaced by a higher token and, resumed, stops without an accepted write', async () => {
    await startReplicas(['r1', 'r2', 'r3']);
    await waitFor(() => holders().length === 1, 'one replica runs the singleton');
    const paused = holders()[0]!;
    const oldToken = paused.runningUnits().get('Reconciler')!;
    paused.pause();
    try {
      await waitFor(() => replicas.some((r) => r !== paused && r.runningUnits().has('Reconciler')), 'another replica takes over', 15_000);
    } finally {
      paused.resume();
    }
    const next = replicas.find((r) => r !== paused && r.runningUnits().has('Reconciler'))!;
    expect(next.runningUnits().get('Reconciler')).toBeGreaterThan(oldToken);
    await waitFor(() => !paused.runningUnits().has('Reconciler'), 'the resumed replica stops its unit', 10_000);
    const stop = paused.events.filter((e) => e.e === 'stop').at(-1)!;
    expect(stop.reason).toBe('lease-lost');
    expect(paused.events.find((e) => e.e === 'lease-lost')).toEqual(expect.objectContaining({ unit: 'Reconciler', token: oldToken }));
    // Back in the membership, the resumed replica may be the singleton's rendezvous owner again and
    // get it handed back, with a newer token still. Whoever holds it: nothing of the old token may
    // be accepted after the first write of a newer one: at most the one write the paused replica had in
    // flight (SIGSTOP between its stillHolds() check and the send), and the fence rejects it.
    await waitFor(async () => (await readLedger(rig.ledger)).filter((e) => e.token > oldToken).length >= 5, 'newer tokens write');
    const entries = await readLedger(rig.ledger);
    const stale = writesAfterTakeover(entries, 'Reconciler', oldToken);
    expect(stale.filter((e) => e.accepted)).toEqual([]);
    expect(stale.length).toBeLessThanOrEqual(1);
    expect(ledgerViolations(entries)).toEqual([]);
  });
});
