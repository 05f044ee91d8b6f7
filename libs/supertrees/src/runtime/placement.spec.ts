import { describe, expect, it } from '@jest/globals';
import type { EventSink } from '../events/event.sink.js';
import type { EventInput, StopReason } from '../events/supervision.events.js';
import type { ResolvedBackoff } from '../shared/supervision.defaults.js';
import type { SupervisorNode, TreeNode } from '../tree/tree.types.js';
import { supervisorNode, workerNode } from '../../../../test/helpers/tree-nodes.js';
import type { ChildExit, SupervisedChild } from './supervised-child.js';
import { SupervisorRuntime, type RuntimeHost } from './supervisor.runtime.js';
import { RestartScheduler, systemClock } from './timers.js';
import { LocalLeases } from './unit.leases.js';

const NO_DELAY: ResolvedBackoff = { minDelayMs: 0, maxDelayMs: 0, resetAfterMs: 60_000, multiplier: 1, jitter: 0 };

/** A child that records its starts and stops, and can end its run by itself. */
class Child implements SupervisedChild {
  starts = 0;
  stops: StopReason[] = [];
  onExit?: (exit: ChildExit) => void;
  async start(_attempt: number, onExit: (exit: ChildExit) => void): Promise<void> {
    this.starts += 1;
    this.onExit = onExit;
  }
  async stop(reason: StopReason): Promise<boolean> {
    this.stops.push(reason);
    this.onExit = undefined;
    return false;
  }
}

class Host implements RuntimeHost {
  readonly events: EventInput[] = [];
  readonly children = new Map<string, Child>();
  readonly logger = undefined;
  readonly clock = systemClock;
  readonly restarts = new RestartScheduler();
  readonly expired: string[] = [];
  readonly leases = new LocalLeases(systemClock, (unit) => {
    this.expired.push(unit);
    void this.runtime?.stopUnit(unit, 'lease-lost');
  });
  runtime?: SupervisorRuntime;
  gaveUp = false;
  readonly sink: EventSink = { emit: (e) => void this.events.push(e), forward: () => undefined, forwardSnapshot: () => undefined };
  createChild(node: TreeNode): SupervisedChild {
    const child = new Child();
    this.children.set(node.name, child);
    return child;
  }
}

/** Root over an everywhere worker A and a singleton R, giving up at the first restart (maxRestarts 0). */
function setUp(): { host: Host; runtime: SupervisorRuntime; root: SupervisorNode } {
  const root = supervisorNode(
    'root',
    [
      workerNode('root/A', { backoff: NO_DELAY }),
      workerNode('root/R', { backoff: NO_DELAY, placement: { kind: 'singleton', unit: 'root/R' } }),
    ],
    { restart: 'never', maxRestarts: 0, withinMs: 60_000 },
  );
  const host = new Host();
  const runtime = new SupervisorRuntime(root, host, () => (host.gaveUp = true));
  host.runtime = runtime;
  return { host, runtime, root };
}

const until = async (check: () => boolean, what: string) => {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('placed children in the supervisor runtime', () => {
  it('builds a placed child parked: the start sequence leaves it out until its lease is held here', async () => {
    const { host, runtime } = setUp();
    await runtime.start();
    expect(host.children.get('A')!.starts).toBe(1);
    expect(host.children.get('R')!.starts).toBe(0);
    expect(runtime.isParked('root/R')).toBe(true);
    // No lease held here: startUnit does nothing.
    await runtime.startUnit('root/R');
    expect(host.children.get('R')!.starts).toBe(0);
    host.leases.grant({ unit: 'root/R', fencingToken: 7, remainingMs: 60_000 });
    await runtime.startUnit('root/R');
    expect(host.children.get('R')!.starts).toBe(1);
    expect(runtime.isParked('root/R')).toBe(false);
    await runtime.stop();
    host.leases.clear();
  });

  it('stops it with lease-lost or handoff as often as the lease goes: no restart, no intensity count, no give-up', async () => {
    const { host, runtime } = setUp();
    await runtime.start();
    for (let token = 1; token <= 5; token++) {
      host.leases.grant({ unit: 'root/R', fencingToken: token, remainingMs: 60_000 });
      await runtime.startUnit('root/R');
      await runtime.stopUnit('root/R', token % 2 ? 'lease-lost' : 'handoff');
      host.leases.revoke('root/R');
    }
    await new Promise((r) => setImmediate(r));
    const r = host.children.get('R')!;
    expect(r.starts).toBe(5);
    expect(r.stops).toEqual(['lease-lost', 'handoff', 'lease-lost', 'handoff', 'lease-lost']);
    expect(host.gaveUp).toBe(false);
    expect(host.events.some((e) => e.type === 'restart-scheduled' || e.type === 'failed' || e.type === 'gave-up')).toBe(false);
    expect(host.events.filter((e) => e.type === 'stopped' && e.path === 'root/R').map((e) => (e as { reason: string }).reason)).toEqual([
      'lease-lost',
      'handoff',
      'lease-lost',
      'handoff',
      'lease-lost',
    ]);
    await runtime.stop();
  });

  it('stops it at the deadline counted on this process clock when no renewal comes, and a renewal in time keeps it running', async () => {
    const { host, runtime } = setUp();
    await runtime.start();
    const held = host.leases.grant({ unit: 'root/R', fencingToken: 3, remainingMs: 150 });
    await runtime.startUnit('root/R');
    expect(held.handle.stillHolds()).toBe(true);
    expect(host.leases.extend('root/R', 3, 400)).toBe(true);
    expect(host.leases.extend('root/R', 4, 400)).toBe(false);
    await until(() => host.expired.length === 1, 'the deadline');
    await until(() => host.children.get('R')!.stops.length === 1, 'the stop');
    expect(host.children.get('R')!.stops).toEqual(['lease-lost']);
    expect(held.handle.stillHolds()).toBe(false);
    expect(held.handle.remainingMs()).toBe(0);
    expect(held.handle.signal.aborted).toBe(true);
    expect(runtime.isParked('root/R')).toBe(true);
    expect(host.gaveUp).toBe(false);
    await runtime.stop();
  });

  it('a child that stopped itself at its lease deadline (a forked supervisor) is parked, not failed', async () => {
    const { host, runtime } = setUp();
    await runtime.start();
    host.leases.grant({ unit: 'root/R', fencingToken: 1, remainingMs: 60_000 });
    await runtime.startUnit('root/R');
    host.children.get('R')!.onExit!({ kind: 'lease-lost' });
    await until(() => runtime.isParked('root/R'), 'parked');
    expect(host.events.some((e) => e.type === 'failed' || e.type === 'restart-scheduled')).toBe(false);
    expect(host.events.filter((e) => e.type === 'stopped' && e.path === 'root/R')).toEqual([expect.objectContaining({ reason: 'lease-lost' })]);
    // Its lease is still held here (the renewal came late): started again.
    await runtime.startUnit('root/R');
    expect(host.children.get('R')!.starts).toBe(2);
    await runtime.stop();
    host.leases.clear();
  });
});

describe('LocalLeases', () => {
  it('finds the lease a path runs under (its own or its nearest placed ancestor) and what a subtree needs', () => {
    const leases = new LocalLeases(systemClock, () => undefined);
    leases.grant({ unit: 'root/Billing', fencingToken: 5, remainingMs: 60_000 });
    leases.grant({ unit: 'root/Shard#2', fencingToken: 9, partition: 2, remainingMs: 60_000 });
    expect(leases.forPath('root/Billing/Sub/Worker')?.fencingToken).toBe(5);
    expect(leases.forPath('root/Shard#2')?.handle.unit).toEqual({ id: 'root/Shard#2', name: 'root/Shard', partition: 2 });
    expect(leases.forPath('root/Other')).toBeUndefined();
    expect(leases.relevantTo('root/Billing/Sub').map((g) => g.unit)).toEqual(['root/Billing']);
    expect(leases.relevantTo('root').map((g) => g.unit).sort()).toEqual(['root/Billing', 'root/Shard#2']);
    leases.revoke('root/Billing', 4);
    expect(leases.holds('root/Billing')).toBe(true);
    leases.revoke('root/Billing');
    expect(leases.holds('root/Billing')).toBe(false);
    leases.clear();
  });
});
