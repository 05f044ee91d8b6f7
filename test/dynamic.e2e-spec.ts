// Dynamic supervisors, per-child control and pools, in one process, through the public API.
import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import {
  ChildIdTakenError,
  ChildStartError,
  ChildStateError,
  InvalidChildSpecError,
  InvalidOptionError,
  MaxChildrenError,
  NotAPoolError,
  NotASupervisorError,
  NotAWorkerError,
  NotDynamicError,
  Supervisor,
  UnknownNodeError,
  Worker,
  type SupervisedWorker,
  type SupervisionEventType,
  type WorkerContext,
} from '../libs/supertrees/src/index.js';
import { aborted, bootInProcess, Cleanup, compileTree, defineSupervisor, defineWorker, RunControl, supervision } from './helpers/in-process.js';
import { findNode as nodeAt } from '#supertrees/testing';

/** The events of one type (on one node). */
const is = <T extends SupervisionEventType>(type: T, path?: string) => (path === undefined ? { type } : { type, path });

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

@Injectable()
class TenantRegistry {
  readonly seen: { id?: string; args?: unknown; path: string; instance: TenantWorker }[] = [];
}

/** A dynamic worker with a dependency: records what it saw, then runs until stopped or told to fail. */
@Worker({ dynamic: true, backoff: { minDelayMs: 1 } })
class TenantWorker implements SupervisedWorker {
  static control = new RunControl();
  constructor(readonly registry: TenantRegistry) {}
  init(ctx: WorkerContext): void {
    if ((ctx.args as { failInit?: boolean } | undefined)?.failInit) throw new RangeError(`no tenant ${ctx.id}`);
  }
  run(ctx: WorkerContext): Promise<void> {
    this.registry.seen.push({ id: ctx.id, args: ctx.args, path: ctx.path, instance: this });
    return TenantWorker.control.hold(ctx);
  }
}

@Supervisor({ dynamic: true, maxChildren: 3, isolation: 'none' })
class Tenants {}

@Worker()
class Static implements SupervisedWorker {
  run(ctx: WorkerContext): Promise<void> {
    return aborted(ctx.signal);
  }
}

/** Not a provider of any module. */
@Worker({ dynamic: true })
class Stray implements SupervisedWorker {
  run(): void {}
}

async function bootTenants() {
  TenantWorker.control = new RunControl();
  const tree = await bootInProcess(cleanup, [TenantRegistry, TenantWorker, Tenants, Static]);
  return { ...tree, registry: tree.moduleRef.get(TenantRegistry) };
}

describe('dynamic supervisors', () => {
  it('starts a child as its own instance with DI, ctx.id and ctx.args, at path Supervisor/Class:id', async () => {
    const { service, registry, recorder } = await bootTenants();
    const a = await service.startChild(Tenants, TenantWorker, { id: 'acme', args: { plan: 'gold' } });
    const b = await service.startChild('root/Tenants', TenantWorker, { id: 'globex' });

    expect(a).toEqual({ path: 'root/Tenants/TenantWorker:acme', id: 'acme' });
    expect(b.path).toBe('root/Tenants/TenantWorker:globex');
    expect(registry.seen.map(({ id, args, path }) => ({ id, args, path }))).toEqual([
      { id: 'acme', args: { plan: 'gold' }, path: 'root/Tenants/TenantWorker:acme' },
      { id: 'globex', args: undefined, path: 'root/Tenants/TenantWorker:globex' },
    ]);
    expect(registry.seen[0]!.instance).not.toBe(registry.seen[1]!.instance);
    expect(registry.seen[0]!.instance.registry).toBe(registry);
    expect(recorder.trace(is('child-added'))).toEqual(['child-added root/Tenants/TenantWorker:acme', 'child-added root/Tenants/TenantWorker:globex']);
    const tenants = nodeAt(service.snapshot(), 'root/Tenants');
    expect(tenants.children!.map((c) => [c.path, c.id, c.state])).toEqual([
      ['root/Tenants/TenantWorker:acme', 'acme', 'running'],
      ['root/Tenants/TenantWorker:globex', 'globex', 'running'],
    ]);
  });

  it('restarts a failed dynamic child under its own policy (one-for-one), alone', async () => {
    const { service, recorder } = await bootTenants();
    await service.startChild(Tenants, TenantWorker, { id: 'a' });
    await service.startChild(Tenants, TenantWorker, { id: 'b' });
    TenantWorker.control.fail('root/Tenants/TenantWorker:a');
    await recorder.waitFor(is('restarted', 'root/Tenants/TenantWorker:a'));
    expect(recorder.of(is('stopping', 'root/Tenants/TenantWorker:b'))).toEqual([]);
    expect(await service.whichChildren(Tenants)).toEqual([
      { path: 'root/Tenants/TenantWorker:a', name: 'TenantWorker:a', kind: 'worker', state: 'running', restarts: 1, id: 'a' },
      { path: 'root/Tenants/TenantWorker:b', name: 'TenantWorker:b', kind: 'worker', state: 'running', restarts: 0, id: 'b' },
    ]);
  });

  it('removes a dynamic child whose policy lets it end for good, as OTP does', async () => {
    const { service, recorder } = await bootTenants();
    await service.startChild(Tenants, TenantWorker, { id: 'once', restart: 'never' });
    TenantWorker.control.finish('root/Tenants/TenantWorker:once');
    const removed = await recorder.waitFor(is('child-removed', 'root/Tenants/TenantWorker:once'));
    expect(removed).toMatchObject({ reason: 'ended' });
    expect(await service.countChildren(Tenants)).toEqual({ specs: 0, active: 0, supervisors: 0, workers: 0 });
  });

  describe('startChild rejects with a typed error', () => {
    it('UnknownNodeError for an unknown supervisor', async () => {
      const { service } = await bootTenants();
      await expect(service.startChild('root/Nope', TenantWorker, { id: 'x' })).rejects.toThrow(new UnknownNodeError('root/Nope'));
    });

    it('NotDynamicError for a supervisor that is not dynamic, NotASupervisorError for a worker', async () => {
      const { service } = await bootTenants();
      await expect(service.startChild('root', TenantWorker, { id: 'x' })).rejects.toThrow(new NotDynamicError('root'));
      await expect(service.whichChildren('root/Static')).rejects.toThrow(new NotASupervisorError('root/Static'));
    });

    it('ChildIdTakenError for an id in use', async () => {
      const { service } = await bootTenants();
      await service.startChild(Tenants, TenantWorker, { id: 'acme' });
      await expect(service.startChild(Tenants, TenantWorker, { id: 'acme' })).rejects.toThrow(new ChildIdTakenError('root/Tenants', 'acme'));
    });

    it('MaxChildrenError past maxChildren', async () => {
      const { service } = await bootTenants();
      for (const id of ['a', 'b', 'c']) await service.startChild(Tenants, TenantWorker, { id });
      await expect(service.startChild(Tenants, TenantWorker, { id: 'd' })).rejects.toThrow(new MaxChildrenError('root/Tenants', 3));
    });

    it('NotAWorkerError for a class that is not a @Worker provider', async () => {
      const { service } = await bootTenants();
      await expect(service.startChild(Tenants, Stray, { id: 'x' })).rejects.toThrow(new NotAWorkerError('Stray'));
      await expect(service.startChild(Tenants, TenantRegistry, { id: 'x' })).rejects.toThrow(NotAWorkerError);
    });

    it.each([
      ['a Date', { when: new Date(0) }, 'args.when'],
      ['a function', { cb: () => 1 }, 'args.cb'],
      ['a BigInt in an array', { list: [1, 2n] }, 'args.list[1]'],
      ['NaN', { n: Number.NaN }, 'args.n'],
      ['a Map', new Map(), 'args'],
    ])('InvalidChildSpecError naming the field for args holding %s', async (_what, args, field) => {
      const { service } = await bootTenants();
      const error = await service.startChild(Tenants, TenantWorker, { id: 'x', args }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidChildSpecError);
      expect(error).toMatchObject({ field });
    });

    it('InvalidChildSpecError for a bad id or option', async () => {
      const { service } = await bootTenants();
      await expect(service.startChild(Tenants, TenantWorker, { id: 'a/b' })).rejects.toMatchObject({ name: 'InvalidChildSpecError', field: 'id' });
      await expect(service.startChild(Tenants, TenantWorker, { id: 'a', restart: 'sometimes' as 'always' })).rejects.toMatchObject({
        field: 'restart',
      });
    });

    it('ChildStartError carrying the error of init(), leaving no child behind', async () => {
      const { service, recorder } = await bootTenants();
      const error = await service.startChild(Tenants, TenantWorker, { id: 'bad', args: { failInit: true } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChildStartError);
      expect((error as Error).cause).toBeInstanceOf(RangeError);
      expect((error as Error).message).toBe('root/Tenants/TenantWorker:bad failed to start: no tenant bad');
      expect(recorder.of(is('child-removed', 'root/Tenants/TenantWorker:bad'))).toMatchObject([{ reason: 'start-failed' }]);
      expect(await service.whichChildren(Tenants)).toEqual([]);
      expect(nodeAt(service.snapshot(), 'root/Tenants').children).toEqual([]);
    });
  });
});

describe('per-child control', () => {
  it('terminateChild keeps a child stopped until restartChild; the policy does not restart it', async () => {
    const { service, recorder } = await bootTenants();
    await service.startChild(Tenants, TenantWorker, { id: 'a' });
    await service.terminateChild('root/Tenants/TenantWorker:a');
    expect(recorder.of(is('stopped', 'root/Tenants/TenantWorker:a'))).toMatchObject([{ reason: 'terminated' }]);
    expect(nodeAt(service.snapshot(), 'root/Tenants/TenantWorker:a').state).toBe('terminated');
    expect(await service.countChildren(Tenants)).toEqual({ specs: 1, active: 0, supervisors: 0, workers: 1 });
    await service.terminateChild('root/Tenants/TenantWorker:a'); // idempotent

    await service.restartChild('root/Tenants/TenantWorker:a');
    expect((await service.whichChildren(Tenants))[0]).toMatchObject({ state: 'running' });
    await expect(service.restartChild('root/Tenants/TenantWorker:a')).rejects.toThrow(
      new ChildStateError('root/Tenants/TenantWorker:a', 'restartChild', 'running'),
    );
    expect(recorder.of(is('restart-scheduled', 'root/Tenants/TenantWorker:a'))).toEqual([]);
  });

  it('deleteChild removes a dynamic child (running or not) and frees its id', async () => {
    const { service, recorder } = await bootTenants();
    await service.startChild(Tenants, TenantWorker, { id: 'a' });
    await service.deleteChild('root/Tenants/TenantWorker:a');
    expect(recorder.trace({ path: 'root/Tenants/TenantWorker:a' }).slice(-3)).toEqual([
      'stopping root/Tenants/TenantWorker:a',
      'stopped root/Tenants/TenantWorker:a',
      'child-removed root/Tenants/TenantWorker:a',
    ]);
    expect(await service.whichChildren(Tenants)).toEqual([]);
    await service.startChild(Tenants, TenantWorker, { id: 'a' });
  });

  it('on a static node: a terminated child is not restarted by one-for-all; deleteChild needs it terminated first', async () => {
    const control = new RunControl();
    const w1 = defineWorker('W1', { run: (ctx) => control.hold(ctx) }, { backoff: { minDelayMs: 1 } });
    const w2 = defineWorker('W2', { run: (ctx) => control.hold(ctx) }, { backoff: { minDelayMs: 1 } });
    const all = defineSupervisor('All', { children: [w1, w2], strategy: 'one-for-all' });
    const { service, recorder } = await bootInProcess(cleanup, [w1, w2, all]);

    await expect(service.deleteChild('root/All/W2')).rejects.toThrow(new ChildStateError('root/All/W2', 'deleteChild', 'running'));
    await service.terminateChild(w2);
    control.fail('root/All/W1');
    await recorder.waitFor(is('restarted', 'root/All/W1'));
    expect(recorder.of(is('starting', 'root/All/W2'))).toHaveLength(1);
    expect((await service.whichChildren('root/All')).map((c) => c.state)).toEqual(['running', 'terminated']);

    await service.deleteChild('root/All/W2');
    expect((await service.whichChildren('root/All')).map((c) => c.path)).toEqual(['root/All/W1']);
    expect(nodeAt(service.snapshot(), 'root/All').children!.map((c) => c.path)).toEqual(['root/All/W1']);
  });

  it('rejects an unknown child or supervisor path with UnknownNodeError', async () => {
    const { service } = await bootTenants();
    await expect(service.terminateChild('root/Tenants/TenantWorker:ghost')).rejects.toThrow(new UnknownNodeError('root/Tenants/TenantWorker:ghost'));
    await expect(service.restartChild('root/Nope/W')).rejects.toThrow(new UnknownNodeError('root/Nope/W'));
    await expect(service.deleteChild('nowhere')).rejects.toThrow(UnknownNodeError);
    await expect(service.countChildren('root/Nope')).rejects.toThrow(UnknownNodeError);
  });
});

describe('restoring dynamic children', () => {
  /** A dynamic supervisor that gives up at its first restart, under a parent that restarts it. */
  async function bootRestoring(restoreChildren?: boolean) {
    TenantWorker.control = new RunControl();
    const fragile = defineSupervisor('Fragile', {
      dynamic: true,
      maxRestarts: 0,
      withinMs: 60_000,
      backoff: { minDelayMs: 1 },
      ...(restoreChildren === undefined ? {} : { restoreChildren }),
    });
    const tree = await bootInProcess(cleanup, [TenantRegistry, TenantWorker, fragile]);
    await tree.service.startChild(fragile, TenantWorker, { id: 'a', args: { n: 1 } });
    await tree.service.startChild(fragile, TenantWorker, { id: 'b' });
    TenantWorker.control.fail('root/Fragile/TenantWorker:a');
    await tree.recorder.waitFor(is('restarted', 'root/Fragile'));
    return tree;
  }

  it('a restarted dynamic supervisor gets its children back from the specs its parent kept (default)', async () => {
    const { service, recorder, moduleRef } = await bootRestoring();
    await recorder.waitForCount(is('started', 'root/Fragile/TenantWorker:b'), 2);
    expect((await service.whichChildren('root/Fragile')).map((c) => [c.id, c.state])).toEqual([
      ['a', 'running'],
      ['b', 'running'],
    ]);
    expect(moduleRef.get(TenantRegistry).seen.filter((s) => s.id === 'a').at(-1)!.args).toEqual({ n: 1 });
    expect(nodeAt(service.snapshot(), 'root/Fragile').children!.map((c) => [c.id, c.state])).toEqual([
      ['a', 'running'],
      ['b', 'running'],
    ]);
  });

  it('with restoreChildren: false it comes back empty, as in OTP', async () => {
    const { service } = await bootRestoring(false);
    expect(await service.whichChildren('root/Fragile')).toEqual([]);
    expect(nodeAt(service.snapshot(), 'root/Fragile').children).toEqual([]);
  });
});

describe('pools', () => {
  @Injectable()
  class Seen {
    readonly starts: { instance?: number; path: string; self: object }[] = [];
  }
  @Worker({ instances: 3, backoff: { minDelayMs: 1 } })
  class PoolWorker implements SupervisedWorker {
    static control = new RunControl();
    constructor(private readonly seen: Seen) {}
    run(ctx: WorkerContext): Promise<void> {
      this.seen.starts.push({ instance: ctx.instance, path: ctx.path, self: this });
      return PoolWorker.control.hold(ctx);
    }
  }
  @Supervisor({ children: [PoolWorker], isolation: 'none' })
  class Pools {}

  async function bootPool() {
    PoolWorker.control = new RunControl();
    const tree = await bootInProcess(cleanup, [Seen, PoolWorker, Pools]);
    return { ...tree, seen: tree.moduleRef.get(Seen) };
  }

  it('runs N copies, each its own instance with ctx.instance and path …#i', async () => {
    const { seen, service } = await bootPool();
    expect(seen.starts.map((s) => [s.instance, s.path])).toEqual([
      [0, 'root/Pools/PoolWorker#0'],
      [1, 'root/Pools/PoolWorker#1'],
      [2, 'root/Pools/PoolWorker#2'],
    ]);
    expect(new Set(seen.starts.map((s) => s.self)).size).toBe(3);
    expect(nodeAt(service.snapshot(), 'root/Pools').children!.map((c) => [c.path, c.instance])).toEqual([
      ['root/Pools/PoolWorker#0', 0],
      ['root/Pools/PoolWorker#1', 1],
      ['root/Pools/PoolWorker#2', 2],
    ]);
  });

  it('restarts a member alone, with its own restart count', async () => {
    const { service, recorder } = await bootPool();
    PoolWorker.control.fail('root/Pools/PoolWorker#1');
    await recorder.waitFor(is('restarted', 'root/Pools/PoolWorker#1'));
    expect((await service.whichChildren(Pools)).map((c) => c.restarts)).toEqual([0, 1, 0]);
  });

  it('scale() starts the missing members and stops the highest first', async () => {
    const { service, recorder } = await bootPool();
    expect(await service.scale(PoolWorker, 5)).toEqual({ before: 3, after: 5 });
    expect((await service.whichChildren(Pools)).map((c) => [c.instance, c.state])).toEqual([
      [0, 'running'],
      [1, 'running'],
      [2, 'running'],
      [3, 'running'],
      [4, 'running'],
    ]);
    expect(await service.scale('root/Pools/PoolWorker', 1)).toEqual({ before: 5, after: 1 });
    expect(recorder.trace(is('child-removed'))).toEqual([
      'child-removed root/Pools/PoolWorker#4',
      'child-removed root/Pools/PoolWorker#3',
      'child-removed root/Pools/PoolWorker#2',
      'child-removed root/Pools/PoolWorker#1',
    ]);
    expect(nodeAt(service.snapshot(), 'root/Pools').children!.map((c) => c.path)).toEqual(['root/Pools/PoolWorker#0']);
    await service.scale(PoolWorker, 2);
    expect(nodeAt(service.snapshot(), 'root/Pools').children!.map((c) => [c.path, c.state])).toEqual([
      ['root/Pools/PoolWorker#0', 'running'],
      ['root/Pools/PoolWorker#1', 'running'],
    ]);
  });

  it('a restarted supervisor runs its pool at the declared size again, and the snapshot follows', async () => {
    PoolWorker.control = new RunControl();
    const fragile = defineSupervisor('FragilePool', { children: [PoolWorker], maxRestarts: 0, withinMs: 60_000, backoff: { minDelayMs: 1 } });
    const { service, recorder } = await bootInProcess(cleanup, [Seen, PoolWorker, fragile]);
    await service.scale(PoolWorker, 5);
    await service.scale(PoolWorker, 2);
    PoolWorker.control.fail('root/FragilePool/PoolWorker#1');
    await recorder.waitFor(is('restarted', 'root/FragilePool'));
    await recorder.waitForCount(is('started', 'root/FragilePool/PoolWorker#2'), 2);
    expect((await service.whichChildren(fragile)).map((c) => [c.instance, c.state])).toEqual([
      [0, 'running'],
      [1, 'running'],
      [2, 'running'],
    ]);
    expect(nodeAt(service.snapshot(), 'root/FragilePool').children!.map((c) => [c.path, c.state])).toEqual([
      ['root/FragilePool/PoolWorker#0', 'running'],
      ['root/FragilePool/PoolWorker#1', 'running'],
      ['root/FragilePool/PoolWorker#2', 'running'],
    ]);
  });

  it('scale() rejects a path that is not a pool and a bad count', async () => {
    const { service } = await bootPool();
    await expect(service.scale('root/Pools', 2)).rejects.toThrow(new NotAPoolError('root/Pools'));
    await expect(service.scale(PoolWorker, -1)).rejects.toMatchObject({ name: 'InvalidChildSpecError', field: 'n' });
  });
});

describe('configuration', () => {
  const w = () => defineWorker('W', { run: () => undefined });
  it.each([
    ['dynamic with children', () => [defineSupervisor('D', { dynamic: true, children: [w()] })], 'children'],
    ['dynamic with one-for-all', () => [defineSupervisor('D', { dynamic: true, strategy: 'one-for-all' })], 'strategy'],
    ['maxChildren without dynamic', () => [defineSupervisor('D', { maxChildren: 3 })], 'maxChildren'],
    ['maxChildren 0', () => [defineSupervisor('D', { dynamic: true, maxChildren: 0 })], 'maxChildren'],
    ['restoreChildren without dynamic', () => [defineSupervisor('D', { restoreChildren: false })], 'restoreChildren'],
    ['a pool of 0', () => [defineWorker('P', { run: () => undefined }, { instances: 0 })], 'instances'],
    ['a dynamic pool', () => [defineWorker('P', { run: () => undefined }, { instances: 2, dynamic: true })], 'instances'],
  ])('rejects %s at app.init() with InvalidOptionError', async (_title, providers, option) => {
    const tree = cleanup.track(await compileTree({ imports: [supervision()], providers: providers() }));
    const error = await tree.moduleRef.init().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error).toMatchObject({ option });
  });

  it('keeps a dynamic worker out of the tree at boot', async () => {
    @Module({ providers: [TenantRegistry, TenantWorker] })
    class TenantsModule {}
    const tree = cleanup.track(await compileTree({ imports: [supervision(), TenantsModule] }));
    await tree.moduleRef.init();
    expect(tree.service.snapshot().children).toEqual([]);
  });
});
