import type { LoggerService, LogLevel, ModuleMetadata } from '@nestjs/common';
import {
  Test,
  type TestingModule,
  type TestingModuleBuilder,
} from '@nestjs/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  SupervisionModule,
  SupervisionService,
  type NodeSnapshot,
  type SupervisionEventType,
  type SupervisionModuleOptions,
} from '../index.js';
import type { EventMatch, MatchedEvent } from './event.matching.js';
import { EventRecorder, type WaitOptions } from './event.recorder.js';
import { isAlive, supervisorProcessesOf } from './proc.js';
import { findNode, walkSnapshot } from './snapshot.nodes.js';
import {
  ProcessesLeftError,
  SupervisionTestingError,
} from './testing.errors.js';
import { TESTING_MESSAGES } from './testing.messages.js';

/** What {@link createSupervisionTestingModule} builds and how. */
export interface SupervisionTestingOptions {
  /** Modules to import (the module under test). */
  readonly imports?: ModuleMetadata['imports'];
  /** Providers: the workers and supervisors of the tree, and what they inject. */
  readonly providers?: ModuleMetadata['providers'];
  /**
   * The options of the `SupervisionModule.forRoot` the kit adds, over the kit's defaults:
   * `onTreeFailure: 'keep-running'` (a root that gives up must not SIGTERM the test runner) and
   * `logging: false`. `false`: add none, `imports` bring their own forRoot. Default `{}`.
   */
  readonly supervision?: SupervisionModuleOptions | false;
  /**
   * `'none'` (default): every supervisor runs in the test process, whatever its own `isolation`
   * says (`forceIsolation: 'none'`). `'as-declared'`: supervisors with process isolation run in
   * real forked processes, which needs `entry`. Applies to the forRoot the kit adds.
   */
  readonly isolation?: 'none' | 'as-declared';
  /**
   * The script each supervisor process runs: COMPILED JavaScript (the transform of Jest or
   * Vitest does not reach a forked process) that calls {@link supervisorProcessEntry} or
   * `bootstrapSupervised` with a module that builds the same tree. The kit forks it with
   * `execArgv: []`, so the test runner's Node flags do not reach it.
   */
  readonly entry?: string;
  /** Overrides before compiling (`overrideProvider(...)`, ...). */
  readonly configure?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
  /** The testing module's logger. Default `false` (silent). */
  readonly logger?: LoggerService | LogLevel[] | false;
  /** Call `init()` (which starts the tree unless `autoStart: false`). Default `true`. */
  readonly init?: boolean;
  /** The timeout of the waits that set none (`waitForEvent`, `recorder.waitFor`). Default 10 000 ms. */
  readonly waitTimeoutMs?: number;
  /** How long `close()` waits for the supervisor processes to be gone. Default 10 000 ms. */
  readonly processExitTimeoutMs?: number;
}

/** A compiled tree under test, recording its events from before its start. */
export interface SupervisionTestingModule {
  readonly moduleRef: TestingModule;
  readonly service: SupervisionService;
  /** Every event since the module was compiled. */
  readonly recorder: EventRecorder;
  /** Runs `moduleRef.init()`: discovery, validation and (with `autoStart`) the start. */
  init(): Promise<void>;
  /** The first matching event, recorded already or to come (see {@link waitForEvent}). */
  waitForEvent<T extends SupervisionEventType>(
    match: EventMatch<T>,
    options?: WaitOptions,
  ): Promise<MatchedEvent<T>>;
  /** The node at `path` in the snapshot now. */
  node(path: string): NodeSnapshot;
  /**
   * Closes the module (also after a rejected `init()`) and stops recording; then waits until none
   * of its supervisor processes is alive, or fails with a {@link ProcessesLeftError}: neither a pid
   * its events named nor, for a tree with process supervisors, a supervisor process (spares
   * included) that appeared below this process while the module lived. Idempotent.
   */
  close(): Promise<void>;
}

const DEFAULT_PROCESS_EXIT_TIMEOUT_MS = 10_000;

/**
 * Compiles (and by default inits) a testing module around a supervision tree, through
 * `@nestjs/testing`: in the test process unless asked for real supervisor processes.
 *
 * ```ts
 * const tree = await createSupervisionTestingModule({ providers: [FeedSupervisor, FeedPoller] });
 * await tree.waitForEvent({ type: 'started', path: 'root/FeedSupervisor/FeedPoller' });
 * await tree.close();
 * ```
 */
export async function createSupervisionTestingModule(
  options: SupervisionTestingOptions,
): Promise<SupervisionTestingModule> {
  const forRoot = supervisionForRoot(options);
  let builder = Test.createTestingModule({
    imports: [...(forRoot ? [forRoot] : []), ...(options.imports ?? [])],
    providers: options.providers ?? [],
  });
  if (options.configure) builder = options.configure(builder);
  const moduleRef = await builder.compile();
  moduleRef.useLogger(options.logger ?? false);
  const service = moduleRef.get(SupervisionService);
  const recorder = new EventRecorder(service.events$, {
    timeoutMs: options.waitTimeoutMs,
  });
  const eventPids = new Set<number>();
  const pidWatch = service.events$.subscribe((event) => {
    for (const pid of [
      event.pid,
      event.type === 'started' ? event.processPid : undefined,
    ]) {
      if (pid !== undefined && pid !== process.pid) eventPids.add(pid);
    }
  });
  // Supervisor processes already below this process are someone else's (another tree, an
  // earlier test's leftovers): close() answers for its own only.
  const foreign = new Set(supervisorProcessesOf());
  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    const forks = forksProcesses(service);
    try {
      await moduleRef.close();
    } finally {
      recorder.stop();
      pidWatch.unsubscribe();
    }
    await noSupervisorProcessLeft(
      () => [
        ...[...eventPids].filter(isAlive),
        ...(forks
          ? supervisorProcessesOf().filter(
              (pid) => !foreign.has(pid) && !eventPids.has(pid),
            )
          : []),
      ],
      options.processExitTimeoutMs ?? DEFAULT_PROCESS_EXIT_TIMEOUT_MS,
    );
  };
  const tree: SupervisionTestingModule = {
    moduleRef,
    service,
    recorder,
    init: async () => {
      await moduleRef.init();
    },
    waitForEvent: (match, waitOptions) => recorder.waitFor(match, waitOptions),
    node: (path) => findNode(service.snapshot(), path),
    close: () => (closing ??= close()),
  };
  if (options.init ?? true) {
    try {
      await tree.init();
    } catch (error) {
      await tree.close().catch(() => undefined);
      throw error;
    }
  }
  return tree;
}

function supervisionForRoot(options: SupervisionTestingOptions) {
  if (options.supervision === false) {
    if (options.isolation !== undefined || options.entry !== undefined) {
      throw new SupervisionTestingError(
        TESTING_MESSAGES.isolationNeedsForRoot(),
      );
    }
    return undefined;
  }
  const isolation = options.isolation ?? 'none';
  if (
    isolation === 'as-declared' &&
    options.entry === undefined &&
    options.supervision?.process?.entry === undefined
  ) {
    throw new SupervisionTestingError(TESTING_MESSAGES.processesNeedEntry());
  }
  const own = options.supervision ?? {};
  return SupervisionModule.forRoot({
    onTreeFailure: 'keep-running',
    logging: false,
    ...own,
    ...(isolation === 'none' ? { forceIsolation: 'none' as const } : {}),
    process: {
      execArgv: [],
      ...own.process,
      ...(options.entry !== undefined ? { entry: options.entry } : {}),
    },
  });
}

/** True if the tree has a supervisor with process isolation (false before the tree was built). */
function forksProcesses(service: SupervisionService): boolean {
  let root: NodeSnapshot;
  try {
    root = service.snapshot();
  } catch {
    return false;
  }
  for (const node of walkSnapshot(root)) {
    if (node.kind === 'supervisor' && node.isolation === 'process') return true;
  }
  return false;
}

/** Waits until `left()` names no live process, or fails with those it names. */
async function noSupervisorProcessLeft(
  left: () => number[],
  timeoutMs: number,
): Promise<void> {
  const deadline = performanceNow() + timeoutMs;
  let alive = left();
  while (alive.length > 0) {
    if (performanceNow() > deadline)
      throw new ProcessesLeftError(alive, timeoutMs);
    await sleep(25);
    alive = left();
  }
}

// Fake timers replace `performance.now` (Jest's and Vitest's do); the kit's own deadlines keep
// real time, so this one is taken when the kit is loaded, before a test installs them.
const performanceNow = performance.now.bind(performance);
