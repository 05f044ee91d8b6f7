import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import type { Type } from '@nestjs/common';
import { getSupervisorMetadata, Supervisor } from '../decorators/supervisor.decorator.js';
import { getWorkerMetadata, Worker } from '../decorators/worker.decorator.js';
import {
  DuplicateChildError,
  DuplicatePathError,
  InvalidChildError,
  InvalidOptionError,
  InvalidScopeError,
  InvalidWorkerError,
  SupervisionConfigError,
  SupervisorCycleError,
  UnregisteredChildError,
} from '../errors/supervision-config.error.js';
import type { SupervisionModuleOptions } from '../interfaces/options.interface.js';
import { ROOT_NAME } from '../shared/supervision.constants.js';
import { DEFAULTS, resolveModuleOptions } from '../shared/supervision.defaults.js';
import { MESSAGES } from '../shared/supervision.messages.js';
import { buildTree, type DiscoveredClass } from './tree.builder.js';
import type { SupervisorNode, TreeNode } from './tree.types.js';

/** A provider as the explorer reports it: the class, its scope and whatever decorators it carries. */
function found(type: Type<unknown>, scope: DiscoveredClass['scope'] = 'default'): DiscoveredClass {
  return { type, scope, worker: getWorkerMetadata(type), supervisor: getSupervisorMetadata(type) };
}

function build(types: Type<unknown>[], root: SupervisionModuleOptions = {}): SupervisorNode {
  return buildTree(
    types.map((t) => found(t)),
    resolveModuleOptions(root),
  );
}

/** Lets a test put into `children` what TypeScript would refuse. */
const notAType = (value: unknown): Type<unknown> => value as Type<unknown>;

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw; nothing was thrown');
}

/** The error is exactly `errorClass` (not a sibling or the base), with `message`, naming `className`. */
function expectConfigError(
  fn: () => unknown,
  errorClass: abstract new (...args: never[]) => SupervisionConfigError,
  message: string,
  className: string,
): void {
  const error = thrownBy(fn);
  expect(error).toBeInstanceOf(SupervisionConfigError);
  expect((error as object).constructor).toBe(errorClass);
  const config = error as SupervisionConfigError;
  expect(config.name).toBe(errorClass.name);
  expect(config.message).toBe(message);
  expect(config.className).toBe(className);
}

const child = (node: SupervisorNode, name: string): TreeNode => {
  const found = node.children.find((c) => c.name === name);
  if (!found) throw new Error(`no child ${name} under ${node.path}`);
  return found;
};

const asSupervisor = (node: TreeNode): SupervisorNode => {
  if (node.kind !== 'supervisor') throw new Error(`${node.path} is not a supervisor`);
  return node;
};

describe('buildTree', () => {
  describe('a well-formed tree', () => {
    it('is rooted at a supervisor named root that runs in this process', () => {
      const tree = build([]);
      expect(tree).toMatchObject({ kind: 'supervisor', name: ROOT_NAME, path: ROOT_NAME, isolation: 'none', children: [] });
    });

    it('gives the root forRoot’s strategy and intensity', () => {
      const tree = build([], { strategy: 'rest-for-one', maxRestarts: 4, withinMs: 1_000 });
      expect([tree.strategy, tree.maxRestarts, tree.withinMs]).toEqual(['rest-for-one', 4, 1_000]);
    });

    it('puts the classes no supervisor lists under the root, in discovery order', () => {
      @Worker() class Zeta { run() {} }
      @Worker() class Alpha { run() {} }
      @Worker() class Listed { run() {} }
      @Supervisor({ children: [Listed], isolation: 'none' }) class Mid {}
      const tree = build([Zeta, Mid, Listed, Alpha]);
      expect(tree.children.map((c) => c.path)).toEqual(['root/Zeta', 'root/Mid', 'root/Alpha']);
    });

    it('orders a supervisor’s children as its children option lists them, not by discovery', () => {
      @Worker() class First { run() {} }
      @Worker() class Second { run() {} }
      @Supervisor({ children: [Second, First] }) class Parent {}
      const tree = build([First, Parent, Second]);
      expect(asSupervisor(child(tree, 'Parent')).children.map((c) => c.name)).toEqual(['Second', 'First']);
    });

    it('builds nested paths root/A/B/C', () => {
      @Worker() class C { run() {} }
      @Supervisor({ children: [C] }) class B {}
      @Supervisor({ children: [B] }) class A {}
      const tree = build([C, B, A]);
      const b = asSupervisor(child(asSupervisor(child(tree, 'A')), 'B'));
      expect(b.path).toBe('root/A/B');
      expect(b.children[0]!.path).toBe('root/A/B/C');
    });

    it('uses the name option in place of the class name in the path', () => {
      @Worker({ name: 'poller' }) class FeedPoller { run() {} }
      @Supervisor({ name: 'ingest', children: [FeedPoller] }) class IngestSupervisor {}
      const tree = build([IngestSupervisor, FeedPoller]);
      expect(asSupervisor(child(tree, 'ingest')).children[0]).toMatchObject({ name: 'poller', path: 'root/ingest/poller', type: FeedPoller });
    });

    it('allows one name under two different supervisors', () => {
      @Worker({ name: 'same' }) class W1 { run() {} }
      @Worker({ name: 'same' }) class W2 { run() {} }
      @Supervisor({ children: [W1] }) class S1 {}
      @Supervisor({ children: [W2] }) class S2 {}
      const tree = build([S1, S2, W1, W2]);
      expect([...asSupervisor(child(tree, 'S1')).children, ...asSupervisor(child(tree, 'S2')).children].map((c) => c.path)).toEqual([
        'root/S1/same',
        'root/S2/same',
      ]);
    });

    it('gives a worker without options the default policy, backoff, shutdown and init timeouts and mailbox', () => {
      @Worker() class Plain { run() {} }
      expect(build([Plain]).children[0]).toEqual({
        kind: 'worker',
        name: 'Plain',
        path: 'root/Plain',
        type: Plain,
        restart: DEFAULTS.restart,
        backoff: { ...DEFAULTS.backoff },
        shutdownTimeoutMs: DEFAULTS.workerShutdownTimeoutMs,
        callable: false,
        mailbox: { ...DEFAULTS.mailbox },
        initTimeoutMs: 20_000,
      });
    });

    it('marks a worker with handle() callable and resolves its mailbox options over the defaults', () => {
      @Worker({ mailbox: { concurrency: 4 } }) class Answers { run() {} handle() {} }
      expect(build([Answers]).children[0]).toMatchObject({ callable: true, mailbox: { ...DEFAULTS.mailbox, concurrency: 4 } });
    });

    it('gives a supervisor without options the default strategy, intensity and shutdown timeout', () => {
      @Supervisor() class Bare {}
      expect(build([Bare]).children[0]).toEqual({
        kind: 'supervisor',
        name: 'Bare',
        path: 'root/Bare',
        type: Bare,
        restart: DEFAULTS.restart,
        backoff: { ...DEFAULTS.backoff },
        shutdownTimeoutMs: DEFAULTS.supervisorShutdownTimeoutMs,
        strategy: DEFAULTS.strategy,
        maxRestarts: DEFAULTS.maxRestarts,
        withinMs: DEFAULTS.withinMs,
        isolation: DEFAULTS.isolation,
        dynamic: false,
        maxChildren: DEFAULTS.maxChildren,
        restoreChildren: DEFAULTS.restoreChildren,
        children: [],
      });
    });

    it('expands a pool into its members, each with its own instance, index and path', () => {
      @Worker({ instances: 2 }) class Pooled { run() {} }
      expect(build([Pooled]).children.map((c) => c.kind === 'worker' && [c.path, c.name, c.pool, c.instance, c.ownInstance])).toEqual([
        ['root/Pooled#0', 'Pooled#0', 'root/Pooled', 0, true],
        ['root/Pooled#1', 'Pooled#1', 'root/Pooled', 1, true],
      ]);
    });

    it('leaves a dynamic worker out of the tree, and refuses it as a static child', () => {
      @Worker({ dynamic: true }) class Template { run() {} }
      expect(build([Template]).children).toEqual([]);
      @Supervisor({ children: [Template] }) class Holder {}
      expect(() => build([Template, Holder])).toThrow(MESSAGES.dynamicWorkerAsChild('Holder', 'Template'));
    });

    it('fills the backoff options a child leaves out from the defaults', () => {
      @Worker({ backoff: { minDelayMs: 5, jitter: 0.1 } }) class Partial { run() {} }
      expect(build([Partial]).children[0]!.backoff).toEqual({ ...DEFAULTS.backoff, minDelayMs: 5, jitter: 0.1 });
    });

    it('keeps the options a child sets', () => {
      @Worker({ restart: 'on-failure', shutdownTimeoutMs: 10 }) class Set1 { run() {} }
      expect(build([Set1]).children[0]).toMatchObject({ restart: 'on-failure', shutdownTimeoutMs: 10 });
    });

    it('gives a supervisor without isolation forRoot’s defaultIsolation', () => {
      @Supervisor() class Inherits {}
      expect(asSupervisor(build([Inherits], { defaultIsolation: 'none' }).children[0]!).isolation).toBe('none');
    });

    it('lets a supervisor’s own isolation win over forRoot’s defaultIsolation', () => {
      @Supervisor({ isolation: 'process' }) class Own {}
      expect(asSupervisor(build([Own], { defaultIsolation: 'none' }).children[0]!).isolation).toBe('process');
    });

    it('gives a nested supervisor forRoot’s defaultIsolation, not its parent’s isolation', () => {
      @Supervisor() class Inner {}
      @Supervisor({ isolation: 'process', children: [Inner] }) class Outer {}
      const outer = asSupervisor(build([Outer, Inner], { defaultIsolation: 'none' }).children[0]!);
      expect(asSupervisor(outer.children[0]!).isolation).toBe('none');
    });

    it('gives every supervisor forRoot’s forceIsolation, whatever its own isolation says', () => {
      @Supervisor() class Inner {}
      @Supervisor({ isolation: 'process', children: [Inner] }) class Outer {}
      const outer = asSupervisor(build([Outer, Inner], { defaultIsolation: 'process', forceIsolation: 'none' }).children[0]!);
      expect([outer.isolation, asSupervisor(outer.children[0]!).isolation]).toEqual(['none', 'none']);
    });
  });

  describe('misconfigurations', () => {
    it('rejects a child that is not a registered provider', () => {
      @Worker() class Unprovided { run() {} }
      @Supervisor({ children: [Unprovided] }) class Owner {}
      expectConfigError(() => build([Owner]), UnregisteredChildError, MESSAGES.unregisteredChild('Owner', 'Unprovided'), 'Owner');
    });

    it('rejects an unregistered supervisor child the same way', () => {
      @Supervisor() class UnprovidedSup {}
      @Supervisor({ children: [UnprovidedSup] }) class Owner {}
      expectConfigError(() => build([Owner]), UnregisteredChildError, MESSAGES.unregisteredChild('Owner', 'UnprovidedSup'), 'Owner');
    });

    it('rejects a class that is the child of two supervisors', () => {
      @Worker() class Shared { run() {} }
      @Supervisor({ children: [Shared] }) class FirstParent {}
      @Supervisor({ children: [Shared] }) class SecondParent {}
      expectConfigError(
        () => build([FirstParent, SecondParent, Shared]),
        DuplicateChildError,
        MESSAGES.duplicateChild('Shared', 'FirstParent', 'SecondParent'),
        'Shared',
      );
    });

    // The message then reads "Twice is a child of two supervisors, Owner and Owner".
    it('rejects a class listed twice by the same supervisor', () => {
      @Worker() class Twice { run() {} }
      @Supervisor({ children: [Twice, Twice] }) class Owner {}
      const error = thrownBy(() => build([Owner, Twice]));
      expect((error as object).constructor).toBe(DuplicateChildError);
      expect((error as DuplicateChildError).className).toBe('Twice');
    });

    it('rejects two supervisors that list each other', () => {
      @Supervisor() class CycleA {}
      @Supervisor() class CycleB {}
      // Decorators cannot reference a class declared after them, so the cycle is closed by hand.
      getSupervisorMetadata(CycleA)!.options.children = [CycleB];
      getSupervisorMetadata(CycleB)!.options.children = [CycleA];
      expectConfigError(() => build([CycleA, CycleB]), SupervisorCycleError, MESSAGES.cycle(['CycleA', 'CycleB', 'CycleA']), 'CycleA');
    });

    it('rejects a cycle of three supervisors', () => {
      @Supervisor() class R1 {}
      @Supervisor() class R2 {}
      @Supervisor() class R3 {}
      getSupervisorMetadata(R1)!.options.children = [R2];
      getSupervisorMetadata(R2)!.options.children = [R3];
      getSupervisorMetadata(R3)!.options.children = [R1];
      expectConfigError(() => build([R1, R2, R3]), SupervisorCycleError, MESSAGES.cycle(['R1', 'R2', 'R3', 'R1']), 'R1');
    });

    it('rejects a supervisor that lists itself', () => {
      @Supervisor() class SelfParent {}
      getSupervisorMetadata(SelfParent)!.options.children = [SelfParent];
      expectConfigError(() => build([SelfParent]), SupervisorCycleError, MESSAGES.cycle(['SelfParent', 'SelfParent']), 'SelfParent');
    });

    it('rejects a worker without run()', () => {
      @Worker() class Lazy {}
      expectConfigError(() => build([Lazy]), InvalidWorkerError, MESSAGES.workerWithoutRun('Lazy'), 'Lazy');
    });

    it('rejects a worker whose run is not a method', () => {
      @Worker() class FieldRun { run = 'soon'; }
      expectConfigError(() => build([FieldRun]), InvalidWorkerError, MESSAGES.workerWithoutRun('FieldRun'), 'FieldRun');
    });

    it('accepts a worker whose run() is inherited', () => {
      class Base { run() {} }
      @Worker() class Derived extends Base {}
      expect(build([Derived]).children[0]!.path).toBe('root/Derived');
    });

    it.each(['request', 'transient'] as const)('rejects a %s-scoped worker', (scope) => {
      @Worker() class Scoped { run() {} }
      expectConfigError(
        () => buildTree([found(Scoped, scope)], resolveModuleOptions()),
        InvalidScopeError,
        MESSAGES.scoped('Scoped', scope),
        'Scoped',
      );
    });

    it('rejects a request-scoped supervisor', () => {
      @Supervisor() class ScopedSup {}
      expectConfigError(
        () => buildTree([found(ScopedSup, 'request')], resolveModuleOptions()),
        InvalidScopeError,
        MESSAGES.scoped('ScopedSup', 'request'),
        'ScopedSup',
      );
    });

    it('rejects a string in children', () => {
      @Supervisor({ children: [notAType('FeedPoller')] }) class Owner {}
      expectConfigError(() => build([Owner]), InvalidChildError, MESSAGES.notAClass('Owner', 0, "'FeedPoller'"), 'Owner');
    });

    it('rejects an arrow function in children', () => {
      const makeWorker = () => undefined;
      @Worker() class Fine { run() {} }
      @Supervisor({ children: [Fine, notAType(makeWorker)] }) class Owner {}
      expectConfigError(() => build([Owner, Fine]), InvalidChildError, MESSAGES.notAClass('Owner', 1, 'function makeWorker'), 'Owner');
    });

    it('rejects undefined in children (a circular import)', () => {
      @Supervisor({ children: [notAType(undefined)] }) class Owner {}
      expectConfigError(() => build([Owner]), InvalidChildError, MESSAGES.notAClass('Owner', 0, 'undefined'), 'Owner');
    });

    it('rejects a class in children that has no decorator', () => {
      class Undecorated { run() {} }
      @Supervisor({ children: [Undecorated] }) class Owner {}
      expectConfigError(() => build([Owner]), InvalidChildError, MESSAGES.notSupervised('Owner', 'Undecorated'), 'Owner');
    });

    it('rejects a class with both decorators', () => {
      @Worker()
      @Supervisor()
      class Both { run() {} }
      expectConfigError(() => build([Both]), InvalidWorkerError, MESSAGES.bothDecorators('Both'), 'Both');
    });

    it('rejects two siblings with the same name', () => {
      @Worker({ name: 'twin' }) class TwinA { run() {} }
      @Worker({ name: 'twin' }) class TwinB { run() {} }
      expectConfigError(() => build([TwinA, TwinB]), DuplicatePathError, MESSAGES.duplicatePath('root/twin', 'TwinA', 'TwinB'), 'TwinB');
    });

    it('rejects a name that clashes with a sibling’s class name', () => {
      @Worker() class Poller { run() {} }
      @Worker({ name: 'Poller' }) class Other { run() {} }
      @Supervisor({ children: [Poller, Other] }) class Owner {}
      expectConfigError(() => build([Owner, Poller, Other]), DuplicatePathError, MESSAGES.duplicatePath('root/Owner/Poller', 'Poller', 'Other'), 'Other');
    });

    it('names both clashing classes in the duplicate-path message', () => {
      @Worker({ name: 'twin' }) class TwinA { run() {} }
      @Worker({ name: 'twin' }) class TwinB { run() {} }
      const error = thrownBy(() => build([TwinA, TwinB])) as Error;
      expect(error.message).toContain('TwinA');
      expect(error.message).toContain('TwinB');
    });

    describe('options, checked with the class as owner', () => {
      it('rejects a negative backoff delay', () => {
        @Worker({ backoff: { minDelayMs: -1 } }) class NegDelay { run() {} }
        expectConfigError(
          () => build([NegDelay]),
          InvalidOptionError,
          MESSAGES.invalidOption('NegDelay', 'backoff.minDelayMs', 'must be at least 0 (got -1)'),
          'NegDelay',
        );
      });

      it('rejects a NaN maxRestarts', () => {
        @Supervisor({ maxRestarts: Number.NaN, withinMs: 1_000 }) class NanSup {}
        expectConfigError(
          () => build([NanSup]),
          InvalidOptionError,
          MESSAGES.invalidOption('NanSup', 'maxRestarts', 'must be a number (got NaN)'),
          'NanSup',
        );
      });

      it('rejects an Infinity shutdownTimeoutMs', () => {
        @Worker({ shutdownTimeoutMs: Number.POSITIVE_INFINITY }) class Forever { run() {} }
        expectConfigError(
          () => build([Forever]),
          InvalidOptionError,
          MESSAGES.invalidOption('Forever', 'shutdownTimeoutMs', 'must be finite (got Infinity)'),
          'Forever',
        );
      });

      it('rejects minDelayMs above maxDelayMs', () => {
        @Worker({ backoff: { minDelayMs: 200, maxDelayMs: 100 } }) class Inverted { run() {} }
        expectConfigError(
          () => build([Inverted]),
          InvalidOptionError,
          MESSAGES.invalidOption('Inverted', 'backoff.minDelayMs', 'must not exceed backoff.maxDelayMs (200 > 100)'),
          'Inverted',
        );
      });

      it('rejects a multiplier below 1', () => {
        @Worker({ backoff: { multiplier: 0.5 } }) class Shrinking { run() {} }
        expectConfigError(
          () => build([Shrinking]),
          InvalidOptionError,
          MESSAGES.invalidOption('Shrinking', 'backoff.multiplier', 'must be at least 1 (got 0.5)'),
          'Shrinking',
        );
      });

      it('rejects a jitter outside 0..1', () => {
        @Worker({ backoff: { jitter: 2 } }) class Jittery { run() {} }
        expectConfigError(
          () => build([Jittery]),
          InvalidOptionError,
          MESSAGES.invalidOption('Jittery', 'backoff.jitter', 'must be at most 1 (got 2)'),
          'Jittery',
        );
      });

      it('rejects maxRestarts without withinMs', () => {
        @Supervisor({ maxRestarts: 3 }) class NoWindow {}
        expectConfigError(
          () => build([NoWindow]),
          InvalidOptionError,
          MESSAGES.invalidOption('NoWindow', 'maxRestarts', 'needs withinMs, the window the restarts are counted in'),
          'NoWindow',
        );
      });

      it('rejects withinMs without maxRestarts', () => {
        @Supervisor({ withinMs: 3 }) class NoMax {}
        expectConfigError(
          () => build([NoMax]),
          InvalidOptionError,
          MESSAGES.invalidOption('NoMax', 'withinMs', 'has no effect without maxRestarts'),
          'NoMax',
        );
      });

      it('rejects a non-integer maxRestarts', () => {
        @Supervisor({ maxRestarts: 1.5, withinMs: 1_000 }) class Fractional {}
        expectConfigError(
          () => build([Fractional]),
          InvalidOptionError,
          MESSAGES.invalidOption('Fractional', 'maxRestarts', 'must be a whole number (got 1.5)'),
          'Fractional',
        );
      });

      it('rejects an unknown strategy', () => {
        @Supervisor({ strategy: 'all-for-one' as unknown as 'one-for-one' }) class Musketeers {}
        expectConfigError(
          () => build([Musketeers]),
          InvalidOptionError,
          MESSAGES.invalidOption('Musketeers', 'strategy', "must be one of 'one-for-one', 'one-for-all', 'rest-for-one' (got 'all-for-one')"),
          'Musketeers',
        );
      });

      it('rejects an unknown restart policy on a worker', () => {
        @Worker({ restart: 'permanent' as unknown as 'always' }) class Erlangish { run() {} }
        expectConfigError(
          () => build([Erlangish]),
          InvalidOptionError,
          MESSAGES.invalidOption('Erlangish', 'restart', "must be one of 'always', 'on-failure', 'once', 'never' (got 'permanent')"),
          'Erlangish',
        );
      });

      it('rejects an unknown isolation', () => {
        @Supervisor({ isolation: 'thread' as unknown as 'none' }) class Threaded {}
        expectConfigError(
          () => build([Threaded]),
          InvalidOptionError,
          MESSAGES.invalidOption('Threaded', 'isolation', "must be one of 'process', 'none' (got 'thread')"),
          'Threaded',
        );
      });

      it('rejects a name containing /', () => {
        @Worker({ name: 'a/b' }) class Slashed { run() {} }
        expectConfigError(
          () => build([Slashed]),
          InvalidOptionError,
          MESSAGES.invalidOption('Slashed', 'name', "must be a non-empty string without '/' (got 'a/b')"),
          'Slashed',
        );
      });
    });
  });
});
