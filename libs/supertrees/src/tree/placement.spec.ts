import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import type { Type } from '@nestjs/common';
import { ClusterConfigError } from '../cluster/cluster.errors.js';
import { getSupervisorMetadata, Supervisor } from '../decorators/supervisor.decorator.js';
import { getWorkerMetadata, Worker } from '../decorators/worker.decorator.js';
import { InvalidOptionError, InvalidPlacementError, SupervisionConfigError } from '../errors/supervision-config.error.js';
import type { SupervisionModuleOptions } from '../interfaces/options.interface.js';
import { resolveModuleOptions } from '../shared/supervision.defaults.js';
import { MESSAGES } from '../shared/supervision.messages.js';
import { validateModuleOptions, validateSupervisorOptions, validateWorkerOptions } from './options.validator.js';
import { buildTree } from './tree.builder.js';
import { placedUnits, walkTree, type SupervisorNode, type WorkerNode } from './tree.types.js';

const CLUSTER: SupervisionModuleOptions = { cluster: { redis: 'redis://127.0.0.1:1' } };

function build(types: Type<unknown>[], root: SupervisionModuleOptions = CLUSTER): SupervisorNode {
  return buildTree(
    types.map((type) => ({ type, scope: 'default' as const, worker: getWorkerMetadata(type), supervisor: getSupervisorMetadata(type) })),
    resolveModuleOptions(root),
  );
}

function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw; nothing was thrown');
}

describe('placement: validation of the option', () => {
  it("accepts 'everywhere', 'singleton' and { partitions } from 1 to 1024", () => {
    for (const placement of ['everywhere', 'singleton', { partitions: 1 }, { partitions: 1024 }] as const) {
      expect(() => validateWorkerOptions('W', { placement })).not.toThrow();
      expect(() => validateSupervisorOptions('S', { placement })).not.toThrow();
    }
  });

  it.each([[0], [1025], [2.5], [-1], ['8']])('rejects partitions %p, naming the class and the option', (partitions) => {
    const error = thrownBy(() => validateWorkerOptions('OrderShard', { placement: { partitions: partitions as number } }));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).option).toBe('placement.partitions');
    expect((error as InvalidOptionError).className).toBe('OrderShard');
    expect(error.message).toContain('from 1 to 1024');
  });

  it('rejects an unknown placement name and unknown keys', () => {
    expect(thrownBy(() => validateWorkerOptions('W', { placement: 'once' as never })).message).toContain("must be 'everywhere', 'singleton' or { partitions: N }");
    expect((thrownBy(() => validateWorkerOptions('W', { placement: { partitions: 2, replicas: 2 } as never })) as InvalidOptionError).option).toBe(
      'placement.replicas',
    );
  });

  it('rejects a placed pool: instances with partitions (or singleton) is an error, not a guess', () => {
    const error = thrownBy(() => validateWorkerOptions('Pool', { instances: 4, placement: { partitions: 8 } }));
    expect(error).toBeInstanceOf(InvalidPlacementError);
    expect(error.message).toBe(MESSAGES.placedPool('Pool'));
    expect(thrownBy(() => validateWorkerOptions('Pool', { instances: 2, placement: 'singleton' }))).toBeInstanceOf(InvalidPlacementError);
  });

  it("rejects a placed dynamic worker (a dynamic supervisor's children cannot be placed)", () => {
    const error = thrownBy(() => validateWorkerOptions('Tenant', { dynamic: true, placement: 'singleton' }));
    expect(error).toBeInstanceOf(InvalidPlacementError);
    expect((error as SupervisionConfigError).className).toBe('Tenant');
    expect(error.message).toBe(MESSAGES.placedDynamic('Tenant'));
  });

  it('checks the cluster option with resolveClusterOptions: ClusterConfigError naming the option', () => {
    const error = thrownBy(() => validateModuleOptions({ cluster: { redis: 'redis://x', leaseTtlMs: 10 } }));
    expect(error).toBeInstanceOf(ClusterConfigError);
    expect((error as ClusterConfigError).option).toBe('leaseTtlMs');
    expect((thrownBy(() => validateModuleOptions({ cluster: {} as never })) as ClusterConfigError).option).toBe('redis');
    expect(() => validateModuleOptions(CLUSTER)).not.toThrow();
  });
});

describe('placement: the tree', () => {
  it('without forRoot({ cluster }), a placed node is an InvalidPlacementError naming its class', () => {
    @Worker({ placement: 'singleton' })
    class Reconciler {
      run() {}
    }
    const error = thrownBy(() => build([Reconciler], {}));
    expect(error).toBeInstanceOf(InvalidPlacementError);
    expect((error as InvalidPlacementError).className).toBe('Reconciler');
    expect(error.message).toBe(MESSAGES.placementWithoutCluster('Reconciler', "'singleton'"));
  });

  it("without the cluster option 'everywhere' is still today's behaviour", () => {
    @Worker({ placement: 'everywhere' })
    class Plain {
      run() {}
    }
    const root = build([Plain], {});
    expect(root.children[0]).toEqual(expect.objectContaining({ path: 'root/Plain' }));
    expect(root.children[0]!.placement).toBeUndefined();
  });

  it('rejects a placed node below a placed ancestor, naming both', () => {
    @Worker({ placement: { partitions: 4 } })
    class Shard {
      run() {}
    }
    @Supervisor({ isolation: 'none', children: [Shard] })
    class Middle {}
    @Supervisor({ placement: 'singleton', children: [Middle] })
    class Billing {}
    const error = thrownBy(() => build([Billing, Middle, Shard]));
    expect(error).toBeInstanceOf(InvalidPlacementError);
    expect((error as InvalidPlacementError).className).toBe('Shard');
    expect((error as InvalidPlacementError).ancestor).toBe('Billing');
    expect(error.message).toBe(MESSAGES.nestedPlacement('Shard', 'Billing'));
  });

  it('rejects a placed node whose path cannot name a lease', () => {
    @Worker({ placement: 'singleton', name: 'the reconciler' })
    class Spaced {
      run() {}
    }
    expect(thrownBy(() => build([Spaced])).message).toBe(MESSAGES.placedName('Spaced', 'root/the reconciler'));
  });

  it('builds a singleton as one placed node and a partitioned worker as one member per partition', () => {
    @Worker({ placement: 'singleton' })
    class Reconciler {
      run() {}
    }
    @Worker({ placement: { partitions: 3 } })
    class OrderShard {
      run() {}
      handle() {}
    }
    const root = build([Reconciler, OrderShard]);
    expect(root.children[0]!.placement).toEqual({ kind: 'singleton', unit: 'root/Reconciler' });
    const shards = root.children.slice(1) as WorkerNode[];
    expect(shards.map((s) => [s.path, s.pool, s.instance, s.ownInstance])).toEqual([
      ['root/OrderShard#0', 'root/OrderShard', 0, true],
      ['root/OrderShard#1', 'root/OrderShard', 1, true],
      ['root/OrderShard#2', 'root/OrderShard', 2, true],
    ]);
    expect(shards[2]!.placement).toEqual({ kind: 'partitioned', unit: 'root/OrderShard', partitions: 3, partition: 2 });
    expect(placedUnits(root)).toEqual([{ name: 'root/Reconciler' }, { name: 'root/OrderShard', partitions: 3 }]);
  });

  it('builds a partitioned supervisor as one subtree per partition, whose workers have their own instances', () => {
    @Worker()
    class Consumer {
      run() {}
    }
    @Supervisor({ isolation: 'none', placement: { partitions: 2 }, children: [Consumer] })
    class Shards {}
    const root = build([Shards, Consumer]);
    expect([...walkTree(root)].map((n) => n.path)).toEqual(['root', 'root/Shards#0', 'root/Shards#0/Consumer', 'root/Shards#1', 'root/Shards#1/Consumer']);
    const consumer = (root.children[1] as SupervisorNode).children[0] as WorkerNode;
    expect(consumer.ownInstance).toBe(true);
    expect(consumer.placement).toBeUndefined();
    expect(placedUnits(root)).toEqual([{ name: 'root/Shards', partitions: 2 }]);
  });
});
