import { afterAll, afterEach, beforeAll, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { CLUSTER_MESSAGES, ownerOf } from '#supertrees/cluster';
import { LEDGER_KEYS, ledgerViolations, readLedger } from './fixtures/cluster-ledger.js';
import { Replica, waitFor } from './helpers/cluster-replicas.js';
import { RedisServer } from './helpers/redis-server.js';
import { redisDescribe } from './helpers/redis-suite.js';

const suite = redisDescribe();

const TTL_MS = 3_000;
const MARGIN_MS = 800;
const UNITS = [{ name: 'Reconciler' }, { name: 'Consumer', partitions: 8 }];
const ALL = 9;
const IDS = ['o1', 'o2', 'o3'];
const UNIT_IDS = ['Reconciler', ...Array.from({ length: 8 }, (_, p) => `Consumer#${p}`)];

suite('cluster: Redis killed and restarted (real redis-server, real processes)', () => {
  let leases: RedisServer;
  let ledgerServer: RedisServer;
  let ledger: Redis;
  let replicas: Replica[] = [];

  beforeAll(async () => {
    ledgerServer = await RedisServer.start();
    ledger = new Redis(ledgerServer.url, { maxRetriesPerRequest: 1 });
  });
  afterEach(async () => {
    await Promise.all(replicas.map((r) => r.kill()));
    replicas = [];
    await leases?.close();
    await ledger.del(...LEDGER_KEYS);
  });
  afterAll(async () => {
    ledger?.disconnect();
    await ledgerServer?.close();
  });

  const startAll = async () => {
    leases = await RedisServer.start();
    const env = { REDIS_URL: leases.url, LEDGER_URL: ledgerServer.url, NAMESPACE: 'outage', UNITS: JSON.stringify(UNITS), TTL_MS: String(TTL_MS), MARGIN_MS: String(MARGIN_MS) };
    replicas = IDS.map((id) => new Replica(id, env));
    await Promise.all(replicas.map((r) => r.ready()));
    // Settled: replicas that start together may hand a unit over once while their views converge.
    await waitFor(
      () => replicas.every((r) => [...r.runningUnits().keys()].sort().join() === UNIT_IDS.filter((u) => ownerOf(u, IDS) === r.id).sort().join()),
      'all 9 units running on their rendezvous owners',
    );
  };
  const running = () => replicas.reduce((n, r) => n + r.runningUnits().size, 0);
  const lines = (r: Replica, text: string) => r.output.filter((l) => l.includes(text)).length;

  it('stops every unit by its deadline, logs one line per outage, and brings the units back with newer tokens', async () => {
    await startAll();
    const before = new Map(replicas.flatMap((r) => [...r.runningUnits()]));
    const killedAt = Date.now();
    await leases.kill();
    await waitFor(() => running() === 0, 'every unit stopped', 10_000);
    const stops = replicas.flatMap((r) => r.events.filter((e) => e.e === 'stop' && e.at >= killedAt));
    expect(stops).toHaveLength(ALL);
    for (const stop of stops) {
      expect(stop.reason).toBe('lease-lost');
      // The deadline is (send time of the last good renewal) + TTL - margin, and that send was before the kill.
      expect(stop.at - killedAt).toBeLessThan(TTL_MS);
    }
    // Down a while longer: still one line each, nothing crashed.
    await new Promise((r) => setTimeout(r, TTL_MS));
    expect(replicas.every((r) => r.running)).toBe(true);
    for (const r of replicas) expect(lines(r, 'Redis unreachable')).toBe(1);

    await leases.launch();
    await waitFor(() => running() === ALL, 'all 9 units running again', 20_000);
    for (const r of replicas) {
      for (const [unit, token] of r.runningUnits()) expect(token).toBeGreaterThan(before.get(unit)!);
      await waitFor(() => lines(r, CLUSTER_MESSAGES.recovered(0).split(' after')[0]!) === 1, `${r.id} logs that Redis is back`);
    }
    expect(ledgerViolations(await readLedger(ledger))).toEqual([]);
  });

  it('a Redis restarted empty within the lease: each holder stops its units (their leases are gone) before any unit starts again', async () => {
    await startAll();
    const restartedAt = Date.now();
    await leases.kill();
    await leases.launch();
    const restarted = () => replicas.flatMap((r) => r.events.filter((e) => e.e === 'start' && e.at >= restartedAt)).length;
    // Redis forgot every lease: each holder finds its lease gone at its next renewal and stops the unit.
    await waitFor(() => restarted() >= ALL && running() === ALL, 'all 9 units started again', 20_000);
    // Every unit was stopped on its old holder before any replica started it again.
    for (const unit of UNIT_IDS) {
      const events = replicas.flatMap((r) => r.events.filter((e) => e.unit === unit && (e.e === 'start' || e.e === 'stop') && e.at >= restartedAt));
      events.sort((a, b) => a.at - b.at);
      expect(events.map((e) => e.e)).toEqual(['stop', 'start']);
    }
    expect(ledgerViolations(await readLedger(ledger))).toEqual([]);
  });
});
