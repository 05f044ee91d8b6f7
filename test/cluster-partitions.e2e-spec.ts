import { expect, it } from '@jest/globals';
import { ownerOf, readClusterView, type ClusterView } from '#supertrees/cluster';
import { ledgerViolations, readLedger } from './fixtures/cluster-ledger.js';
import { Replica, useClusterRig, waitFor } from './helpers/cluster-replicas.js';
import { redisDescribe } from './helpers/redis-suite.js';

const suite = redisDescribe();

const PARTITIONS = 64;
const UNITS = [{ name: 'Consumer', partitions: PARTITIONS }];
const UNIT_IDS = Array.from({ length: PARTITIONS }, (_, p) => `Consumer#${p}`);

suite('cluster: 64 partitions over replicas (real redis-server, real processes)', () => {
  const rig = useClusterRig();
  const { replicas } = rig;
  const env = () => ({ REDIS_URL: rig.leases.url, LEDGER_URL: rig.ledgerServer.url, NAMESPACE: 'parts', UNITS: JSON.stringify(UNITS), WRITE_EVERY_MS: '250' });


  const view = () => readClusterView(rig.admin, UNITS, { namespace: 'parts' });
  /** Waits until Redis shows every partition held by its rendezvous owner among `members`, and those replicas run exactly their share. */
  const settledOn = async (members: string[]): Promise<ClusterView> => {
    let last: ClusterView | undefined;
    await waitFor(
      async () => {
        last = await view();
        const live = last.members.map((m) => m.id).sort();
        if (live.join() !== [...members].sort().join()) return false;
        if (!last.leases.every((l) => l.holder === ownerOf(l.unit, members))) return false;
        return replicas
          .filter((r) => r.running)
          .every((r) => [...r.runningUnits().keys()].sort().join() === UNIT_IDS.filter((u) => ownerOf(u, members) === r.id).sort().join());
      },
      `partitions settled on ${members.join(', ')}`,
      45_000,
    );
    return last!;
  };
  const holders = (v: ClusterView) => new Map(v.leases.map((l) => [l.unit, { holder: l.holder!, token: l.token! }]));

  it('spreads evenly over 3, moves about a quarter to a 4th that joins, and only the leaver\'s when one leaves', async () => {
    const start = (id: string) => {
      const replica = new Replica(id, env());
      replicas.push(replica);
      return replica.ready();
    };
    await Promise.all(['p1', 'p2', 'p3'].map(start));
    const three = holders(await settledOn(['p1', 'p2', 'p3']));
    const load = (h: Map<string, { holder: string }>, id: string) => [...h.values()].filter((x) => x.holder === id).length;
    for (const id of ['p1', 'p2', 'p3']) {
      expect(load(three, id)).toBeGreaterThanOrEqual(16);
      expect(load(three, id)).toBeLessThanOrEqual(27);
    }

    await start('p4');
    const four = holders(await settledOn(['p1', 'p2', 'p3', 'p4']));
    const movedIn = UNIT_IDS.filter((u) => four.get(u)!.holder !== three.get(u)!.holder);
    expect(movedIn.every((u) => four.get(u)!.holder === 'p4')).toBe(true);
    expect(movedIn.length).toBe(load(four, 'p4'));
    expect(movedIn.length).toBeGreaterThanOrEqual(10);
    expect(movedIn.length).toBeLessThanOrEqual(22);
    // What did not move never changed hands: same token.
    for (const u of UNIT_IDS) if (!movedIn.includes(u)) expect(four.get(u)!.token).toBe(three.get(u)!.token);

    await replicas.find((r) => r.id === 'p2')!.stop();
    const left = holders(await settledOn(['p1', 'p3', 'p4']));
    const movedOut = UNIT_IDS.filter((u) => left.get(u)!.holder !== four.get(u)!.holder);
    expect(movedOut.every((u) => four.get(u)!.holder === 'p2')).toBe(true);
    expect(movedOut.length).toBe(load(four, 'p2'));
    for (const u of UNIT_IDS) if (!movedOut.includes(u)) expect(left.get(u)!.token).toBe(four.get(u)!.token);

    // Every handoff stopped (and released) before the next holder started: the ledger never interleaves.
    expect(ledgerViolations(await readLedger(rig.ledger))).toEqual([]);
    const p2 = replicas.find((r) => r.id === 'p2')!;
    expect(p2.events.filter((e) => e.e === 'stop').every((e) => e.reason === 'handoff' || e.reason === 'shutdown')).toBe(true);
  });
});
