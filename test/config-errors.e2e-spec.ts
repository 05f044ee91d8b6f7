// A misconfigured tree fails app.init() with a typed error naming the class and the problem,
// before any worker's init() or run() is called.
import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable, Scope, type DynamicModule, type Type } from '@nestjs/common';
import {
  DuplicateChildError,
  DuplicatePathError,
  InvalidChildError,
  InvalidOptionError,
  InvalidScopeError,
  InvalidWorkerError,
  MESSAGES,
  SupervisionConfigError,
  SupervisionModule,
  Supervisor,
  SupervisorCycleError,
  UnregisteredChildError,
  Worker,
  type RestartPolicy,
  type SupervisionModuleOptions,
  type SupervisionStrategy,
  type Isolation,
} from '../libs/supertrees/src/index.js';
import { Cleanup, compileTree, defineSupervisor, defineWorker, supervision } from './helpers/in-process.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** Every init() and run() of every worker below: a bad configuration must leave it empty. */
const calls: string[] = [];

function traced(name: string, options: Parameters<typeof defineWorker>[2] = {}): Type<unknown> {
  return defineWorker(
    name,
    {
      init: () => {
        calls.push(`init ${name}`);
      },
      run: () => {
        calls.push(`run ${name}`);
      },
    },
    options,
  );
}

@Injectable({ scope: Scope.REQUEST })
class RequestContext {}

/** Request-scoped without saying so: it depends on a request-scoped provider. */
@Worker()
class PerRequestWorker {
  constructor(readonly context: RequestContext) {}
  run(): void {
    calls.push('run PerRequestWorker');
  }
}

/** A class whose decorators are applied by hand, so tests can build shapes decorators alone cannot. */
function bare(name: string): Type<unknown> {
  return { [name]: class {} }[name]!;
}

interface Case {
  name: string;
  /** The classes (and the SupervisionModule, when not the default one) of the misconfigured app. */
  setup: () => { providers: Type<unknown>[]; supervisionModule?: DynamicModule };
  error: abstract new (...args: never[]) => SupervisionConfigError;
  message: string;
  className: string;
}

const forRoot = 'SupervisionModule.forRoot';
const badRoot = (options: SupervisionModuleOptions) => () => ({ providers: [], supervisionModule: supervision(options) });
const badWorker = (options: Parameters<typeof defineWorker>[2]) => () => ({ providers: [traced('W', options)] });
const badSupervisor = (options: Parameters<typeof defineSupervisor>[1]) => () => {
  const child = traced('Child');
  return { providers: [child, defineSupervisor('Sup', { children: [child], ...options })] };
};

/** A case of an option out of range: InvalidOptionError naming its owner and the option. */
const invalidOption = (name: string, setup: Case['setup'], owner: string, option: string, problem: string): Case => ({
  name,
  setup,
  error: InvalidOptionError,
  message: MESSAGES.invalidOption(owner, option, problem),
  className: owner,
});

const CASES: Case[] = [
  {
    name: 'a @Worker() without run()',
    setup: () => {
      const type = bare('NoRun');
      Worker()(type);
      return { providers: [type] };
    },
    error: InvalidWorkerError,
    message: MESSAGES.workerWithoutRun('NoRun'),
    className: 'NoRun',
  },
  {
    name: 'a class with both @Worker() and @Supervisor()',
    setup: () => {
      const type = traced('Both');
      Supervisor()(type);
      return { providers: [type] };
    },
    error: InvalidWorkerError,
    message: MESSAGES.bothDecorators('Both'),
    className: 'Both',
  },
  {
    name: 'a request-scoped worker',
    setup: () => {
      const type = traced('PerRequest');
      Injectable({ scope: Scope.REQUEST })(type);
      return { providers: [type] };
    },
    error: InvalidScopeError,
    message: MESSAGES.scoped('PerRequest', 'request'),
    className: 'PerRequest',
  },
  {
    name: 'a worker that depends on a request-scoped provider (implicitly request-scoped)',
    setup: () => ({ providers: [RequestContext, PerRequestWorker] }),
    error: InvalidScopeError,
    message: MESSAGES.scoped('PerRequestWorker', 'request'),
    className: 'PerRequestWorker',
  },
  {
    name: 'a transient supervisor',
    setup: () => {
      const type = defineSupervisor('Fleeting', {});
      Injectable({ scope: Scope.TRANSIENT })(type);
      return { providers: [type] };
    },
    error: InvalidScopeError,
    message: MESSAGES.scoped('Fleeting', 'transient'),
    className: 'Fleeting',
  },
  {
    name: 'a child that no module provides',
    setup: () => ({ providers: [defineSupervisor('Sup', { children: [traced('Orphan')] })] }),
    error: UnregisteredChildError,
    message: MESSAGES.unregisteredChild('Sup', 'Orphan'),
    className: 'Sup',
  },
  {
    name: 'a child that is not a class (an undefined from a circular import)',
    setup: () => ({ providers: [defineSupervisor('Sup', { children: [undefined as unknown as Type<unknown>] })] }),
    error: InvalidChildError,
    message: MESSAGES.notAClass('Sup', 0, 'undefined'),
    className: 'Sup',
  },
  {
    name: 'a child with neither @Worker() nor @Supervisor()',
    setup: () => {
      const plain = bare('Plain');
      Injectable()(plain);
      return { providers: [plain, defineSupervisor('Sup', { children: [plain] })] };
    },
    error: InvalidChildError,
    message: MESSAGES.notSupervised('Sup', 'Plain'),
    className: 'Sup',
  },
  {
    name: 'a child of two supervisors',
    setup: () => {
      const shared = traced('Shared');
      return { providers: [shared, defineSupervisor('First', { children: [shared] }), defineSupervisor('Second', { children: [shared] })] };
    },
    error: DuplicateChildError,
    message: MESSAGES.duplicateChild('Shared', 'First', 'Second'),
    className: 'Shared',
  },
  {
    name: 'two siblings with the same name',
    setup: () => {
      const [one, two] = [traced('One', { name: 'same' }), traced('Two', { name: 'same' })];
      return { providers: [one, two, defineSupervisor('Sup', { children: [one, two] })] };
    },
    error: DuplicatePathError,
    message: MESSAGES.duplicatePath('root/Sup/same', 'One', 'Two'),
    className: 'Two',
  },
  {
    name: 'supervisors that are their own ancestors',
    setup: () => {
      const second = bare('Second');
      const first = defineSupervisor('First', { children: [second] });
      Supervisor({ isolation: 'none', children: [first] })(second);
      return { providers: [first, second] };
    },
    error: SupervisorCycleError,
    message: MESSAGES.cycle(['First', 'Second', 'First']),
    className: 'First',
  },
  invalidOption('an unknown restart policy', badWorker({ restart: 'sometimes' as RestartPolicy }),
    'W', 'restart', "must be one of 'always', 'on-failure', 'once', 'never' (got 'sometimes')"),
  invalidOption('a backoff multiplier below 1', badWorker({ backoff: { multiplier: 0.5 } }),
    'W', 'backoff.multiplier', 'must be at least 1 (got 0.5)'),
  invalidOption('a backoff minDelayMs above maxDelayMs', badWorker({ backoff: { minDelayMs: 500, maxDelayMs: 100 } }),
    'W', 'backoff.minDelayMs', 'must not exceed backoff.maxDelayMs (500 > 100)'),
  invalidOption('a backoff jitter above 1', badWorker({ backoff: { jitter: 2 } }),
    'W', 'backoff.jitter', 'must be at most 1 (got 2)'),
  invalidOption('a negative shutdownTimeoutMs', badWorker({ shutdownTimeoutMs: -1 }),
    'W', 'shutdownTimeoutMs', 'must be at least 0 (got -1)'),
  invalidOption('a zero initTimeoutMs', badWorker({ initTimeoutMs: 0 }),
    'W', 'initTimeoutMs', 'must be at least 1 (got 0)'),
  invalidOption('forRoot with a NaN initTimeoutMs', badRoot({ initTimeoutMs: Number.NaN }),
    forRoot, 'initTimeoutMs', 'must be a number (got NaN)'),
  invalidOption("a name containing '/'", badWorker({ name: 'a/b' }),
    'W', 'name', "must be a non-empty string without '/' (got 'a/b')"),
  invalidOption('a supervisor with maxRestarts but no withinMs', badSupervisor({ maxRestarts: 3 }),
    'Sup', 'maxRestarts', 'needs withinMs, the window the restarts are counted in'),
  invalidOption('a supervisor with a fractional maxRestarts', badSupervisor({ maxRestarts: 1.5, withinMs: 1_000 }),
    'Sup', 'maxRestarts', 'must be a whole number (got 1.5)'),
  invalidOption('an unknown strategy', badSupervisor({ strategy: 'all-for-none' as SupervisionStrategy }),
    'Sup', 'strategy', "must be one of 'one-for-one', 'one-for-all', 'rest-for-one' (got 'all-for-none')"),
  invalidOption('an unknown isolation', badSupervisor({ isolation: 'thread' as Isolation }),
    'Sup', 'isolation', "must be one of 'process', 'none' (got 'thread')"),
  invalidOption('forRoot with a negative maxRestarts', badRoot({ maxRestarts: -1, withinMs: 1_000 }),
    forRoot, 'maxRestarts', 'must be at least 0 (got -1)'),
  invalidOption('forRoot with withinMs but no maxRestarts', badRoot({ withinMs: 1_000 }),
    forRoot, 'withinMs', 'has no effect without maxRestarts'),
  invalidOption('forRoot with an unknown onTreeFailure', badRoot({ onTreeFailure: 'explode' as 'shutdown' }),
    forRoot, 'onTreeFailure', "must be one of 'shutdown', 'keep-running' (got 'explode')"),
  invalidOption('forRoot with a heartbeat timeout not above its interval', badRoot({ process: { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 100 } }),
    forRoot, 'process.heartbeatTimeoutMs', 'must exceed process.heartbeatIntervalMs (100 <= 100)'),
  invalidOption('forRoot with a zero process.maxMemoryMiB', badRoot({ process: { maxMemoryMiB: 0 } }),
    forRoot, 'process.maxMemoryMiB', 'must be at least 1 (got 0)'),
  invalidOption(
    'forRootAsync whose factory returns a zero withinMs',
    () => ({
      providers: [],
      supervisionModule: SupervisionModule.forRootAsync({
        useFactory: (): SupervisionModuleOptions => ({ maxRestarts: 1, withinMs: 0, logging: false, defaultIsolation: 'none' }),
      }),
    }),
    forRoot,
    'withinMs',
    'must be greater than 0 (got 0)',
  ),
];

describe('a misconfigured tree', () => {
  afterEach(() => {
    calls.length = 0;
  });

  it.each(CASES)('$name: app.init() rejects with $error.name', async ({ setup, error, message, className }) => {
    const { providers, supervisionModule } = setup();
    const bystander = traced('Bystander');
    const tree = cleanup.track(
      await compileTree({ imports: [supervisionModule ?? supervision()], providers: [bystander, ...providers] }),
    );

    const rejection = await tree.moduleRef.init().then(
      () => undefined,
      (thrown: unknown) => thrown,
    );

    expect(rejection).toBeInstanceOf(error);
    expect(rejection).toBeInstanceOf(SupervisionConfigError);
    expect(rejection).toMatchObject({ name: error.name, message, className });
    expect(calls).toEqual([]);
    expect(tree.recorder.events).toEqual([]);
  });
});
