import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import type { Type } from '@nestjs/common';
import { ClusterRedisError, ClusterRoutingError } from './cluster/cluster.errors.js';
import { unitRef } from './cluster/cluster.keys.js';
import { CLUSTER_MESSAGES } from './cluster/cluster.messages.js';
import type { LeaseHandle } from './cluster/unit.host.js';
import { getSupervisorMetadata, Supervisor } from './decorators/supervisor.decorator.js';
import { getWorkerMetadata, Worker } from './decorators/worker.decorator.js';
import type { SupervisionTree } from './discovery/supervision.tree.js';
import { NodeUnavailableError, RequestTimeoutError } from './errors/supervision-request.error.js';
import type { MainEventSink } from './events/main.event-sink.js';
import type { EventInput } from './events/supervision.events.js';
import { SnapshotStore } from './events/snapshot.js';
import type { ProcessHosting } from './process/process.hosting.js';
import { partitionOf } from './runtime/partition.js';
import type { NodeRequest } from './runtime/request.router.js';
import { systemClock } from './runtime/timers.js';
import { LocalLeases } from './runtime/unit.leases.js';
import { resolveModuleOptions } from './shared/supervision.defaults.js';
import { SupervisionCluster } from './supervision.cluster.js';
import { buildTree } from './tree/tree.builder.js';

@Worker({ placement: 'singleton' })
class Reconciler {
  run() {}
  handle() {}
}
@Worker({ placement: { partitions: 8 } })
class Shard {
  run() {}
  handle() {}
}
@Worker()
class Inner {
  run() {}
  handle() {}
}
@Supervisor({ placement: 'singleton', isolation: 'process', children: [Inner] })
class Billing {}
@Worker()
class Plain {
  run() {}
  handle() {}
}

function setUp(answer: (request: NodeRequest) => Promise<unknown> = () => Promise.resolve(null)) {
  const options = resolveModuleOptions({ cluster: { redis: 'redis://127.0.0.1:1' }, logging: false });
  const types: Type<unknown>[] = [Reconciler, Shard, Billing, Inner, Plain];
  const root = buildTree(
    types.map((type) => ({ type, scope: 'default' as const, worker: getWorkerMetadata(type), supervisor: getSupervisorMetadata(type) })),
    options,
  );
  const tree = { root, options, clusterOptions: { redis: 'redis://127.0.0.1:1', renewIntervalMs: 300, leaseTtlMs: 2_000, safetyMarginMs: 600, commandTimeoutMs: 300 } };
  const leases = new LocalLeases(systemClock, () => undefined);
  const requests: NodeRequest[] = [];
  const hosting = {
    leases,
    request: (request: NodeRequest) => {
      requests.push(request);
      return answer(request);
    },
  };
  const events: EventInput[] = [];
  const sink = { emit: (e: EventInput) => events.push(e) };
  const cluster = new SupervisionCluster(tree as unknown as SupervisionTree, hosting as unknown as ProcessHosting, sink as unknown as MainEventSink, new SnapshotStore(() => tree.root as never));
  return { cluster, leases, requests, events };
}

const lease = (remainingMs: number): LeaseHandle => ({
  unit: unitRef('x'),
  fencingToken: 1,
  signal: new AbortController().signal,
  stillHolds: () => true,
  remainingMs: () => remainingMs,
});

describe('SupervisionCluster: where calls go', () => {
  it('leaves nodes placed everywhere alone', () => {
    const { cluster } = setUp();
    expect(cluster.placedTarget('root/Plain', undefined)).toBeUndefined();
    expect(cluster.placedTarget('root/Plain', 'k')).toBeUndefined();
  });

  it('delivers here only while this replica holds the lease; else routes, refused typed while the node is not started', async () => {
    const { cluster, leases } = setUp();
    const away = cluster.placedTarget('root/Reconciler', undefined)!;
    expect(away).toEqual({ unit: unitRef('root/Reconciler'), path: 'root/Reconciler', local: false });
    const error = await cluster.remote('call', away, 'hi', 1_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterRedisError);
    leases.grant({ unit: 'root/Reconciler', fencingToken: 4, remainingMs: 60_000 });
    expect(cluster.placedTarget('root/Reconciler', undefined)!.local).toBe(true);
    // Below a placed supervisor: its lease.
    expect(cluster.placedTarget('root/Billing/Inner', undefined)).toEqual({ unit: unitRef('root/Billing'), path: 'root/Billing/Inner', local: false });
    leases.clear();
  });

  it('picks the partition of a key by the pools rule', async () => {
    const { cluster, leases } = setUp();
    const p = partitionOf('customer-42', 8);
    const target = cluster.placedTarget('root/Shard', 'customer-42')!;
    expect(target).toEqual({ unit: unitRef('root/Shard', p), path: `root/Shard#${p}`, local: false });
    expect(await cluster.remote('cast', target, {}, 100).catch((e: unknown) => e)).toBeInstanceOf(ClusterRedisError);
    leases.grant({ unit: `root/Shard#${p}`, fencingToken: 2, partition: p, remainingMs: 60_000 });
    expect(cluster.placedTarget('root/Shard', 'customer-42')!.local).toBe(true);
    leases.clear();
  });

  it('refuses a key to a placed node that is not partitioned, and no key to a partitioned one (ClusterRoutingError)', () => {
    const { cluster } = setUp();
    expect(() => cluster.placedTarget('root/Reconciler', 'k')).toThrow(ClusterRoutingError);
    expect(() => cluster.placedTarget('root/Shard', undefined)).toThrow(ClusterRoutingError);
    // A partition's own path needs no key.
    expect(cluster.placedTarget('root/Shard#3', undefined)).toEqual(expect.objectContaining({ unit: unitRef('root/Shard', 3) }));
  });
});

describe('SupervisionCluster as the unit host', () => {
  it('holds the lease here and asks the placed node\'s supervisor to start it, with the ms left', async () => {
    const { cluster, leases, requests } = setUp();
    await cluster.start(unitRef('root/Shard', 5), { fencingToken: 11, partition: 5, lease: lease(1_234) });
    expect(requests).toEqual([expect.objectContaining({ op: 'unitStart', path: 'root', payload: { unit: 'root/Shard#5', fencingToken: 11, partition: 5, remainingMs: 1_234 } })]);
    expect(leases.holds('root/Shard#5')).toBe(true);
    leases.clear();
  });

  it('takes a restarting process as started (its start message carries the lease), and stops the node on any other failure', async () => {
    const restarting = setUp(() => Promise.reject(new NodeUnavailableError('unitStart', 'root', 'restarting', 'restarting')));
    await expect(restarting.cluster.start(unitRef('root/Billing'), { fencingToken: 1, lease: lease(900) })).resolves.toBeUndefined();
    restarting.leases.clear();
    const failing = setUp((r) => (r.op === 'unitStart' ? Promise.reject(new RequestTimeoutError('unitStart', 'root', 1)) : Promise.resolve(null)));
    await expect(failing.cluster.start(unitRef('root/Reconciler'), { fencingToken: 1, lease: lease(900) })).rejects.toBeInstanceOf(RequestTimeoutError);
    expect(failing.requests.map((r) => [r.op, (r.payload as { reason?: string }).reason])).toEqual([
      ['unitStart', undefined],
      ['unitStop', 'lease-lost'],
    ]);
    expect(failing.leases.holds('root/Reconciler')).toBe(false);
  });

  it('passes renewals on in one message to this process and one per supervisor process that runs something under them', () => {
    const { cluster, requests } = setUp();
    cluster.renewed([
      { unit: unitRef('root/Reconciler'), token: 3, remainingMs: 1_000 },
      { unit: unitRef('root/Billing'), token: 4, remainingMs: 990 },
      { unit: unitRef('root/Shard', 1), token: 5, remainingMs: 980 },
    ]);
    expect(requests.map((r) => [r.op, r.path, (r.payload as { units: { unit: string }[] }).units.map((u) => u.unit)])).toEqual([
      ['unitsRenewed', 'root', ['root/Reconciler', 'root/Billing', 'root/Shard#1']],
      ['unitsRenewed', 'root/Billing', ['root/Billing']],
    ]);
  });
});

describe('SupervisionCluster: open and close', () => {
  it('stops the node of an open() that a close() came during (the node code was still loading): nothing of it is left', async () => {
    const { cluster } = setUp();
    const opening = cluster.open();
    await cluster.close();
    await opening;
    // As before any open(): the view is refused as not started, and this replica holds nothing.
    await expect(cluster.api!.view()).rejects.toThrow(CLUSTER_MESSAGES.notStarted());
    expect(cluster.api!.local()).toEqual([]);
  });
});
