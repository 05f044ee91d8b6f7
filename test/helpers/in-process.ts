// Building blocks for the in-process end-to-end tests: workers whose run() the test ends on demand,
// deferred promises, and trees compiled through the testing kit (nestjs-supertrees/testing).
import type { DynamicModule, ModuleMetadata, Type } from '@nestjs/common';
import {
  SupervisionModule,
  Supervisor,
  Worker,
  type SupervisedWorker,
  type SupervisionModuleOptions,
  type SupervisorOptions,
  type WorkerContext,
  type WorkerOptions,
} from '../../libs/supertrees/src/index.js';
import { createSupervisionTestingModule, type SupervisionTestingModule } from '../../libs/supertrees/src/testing/index.js';

/** How long the repository's tests wait for an event: generous, for a loaded 2-core machine. */
export const WAIT_TIMEOUT_MS = 30_000;

/** A promise with its resolve and reject in reach. A rejection nobody awaits is not reported. */
export class Deferred<T = void> {
  resolve!: (value: T) => void;
  reject!: (error: unknown) => void;
  readonly promise = new Promise<T>((resolve, reject) => {
    this.resolve = resolve;
    this.reject = reject;
  });

  constructor() {
    this.promise.catch(() => undefined);
  }
}

/** Resolves when the signal aborts. */
export const aborted = (signal: AbortSignal): Promise<void> =>
  new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });

/** Lets queued promise callbacks and immediates run: a chance for a wrong order to show, not a timing guess. */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Ends a worker's run() when the test says so. `hold(ctx)` is a run() body that waits until
 * `fail(path)` or `finish(path)` (which may come first) or until the worker is asked to stop.
 */
export class RunControl {
  private readonly ends = new Map<string, Deferred>();

  async hold(ctx: WorkerContext): Promise<void> {
    const end = this.endOf(ctx.path);
    try {
      await Promise.race([end.promise, aborted(ctx.signal)]);
    } finally {
      if (this.ends.get(ctx.path) === end) this.ends.delete(ctx.path);
    }
  }

  fail(path: string, message = `${path} failed`): void {
    this.endOf(path).reject(new Error(message));
  }

  finish(path: string): void {
    this.endOf(path).resolve();
  }

  private endOf(path: string): Deferred {
    let end = this.ends.get(path);
    if (!end) {
      end = new Deferred();
      this.ends.set(path, end);
    }
    return end;
  }
}

export interface Behaviour {
  init?(ctx: WorkerContext): void | Promise<void>;
  run(ctx: WorkerContext): void | Promise<void>;
}

/** A `@Worker(options)` class named `name` whose init() and run() do what `behaviour` says. */
export function defineWorker(name: string, behaviour: Behaviour, options: WorkerOptions = {}): Type<SupervisedWorker> {
  const cls = {
    [name]: class implements SupervisedWorker {
      init(ctx: WorkerContext): void | Promise<void> {
        return behaviour.init?.(ctx);
      }
      run(ctx: WorkerContext): void | Promise<void> {
        return behaviour.run(ctx);
      }
    },
  }[name]!;
  Worker(options)(cls);
  return cls;
}

/** A `@Supervisor(options)` class named `name`, in this process unless `options.isolation` says otherwise. */
export function defineSupervisor(name: string, options: SupervisorOptions): Type<unknown> {
  const cls = { [name]: class {} }[name]!;
  Supervisor({ isolation: 'none', ...options })(cls);
  return cls;
}

/** `SupervisionModule.forRoot` as these tests want it: quiet, in-process, never killing the test process. */
export function supervision(options: SupervisionModuleOptions = {}): DynamicModule {
  return SupervisionModule.forRoot({ onTreeFailure: 'keep-running', logging: false, defaultIsolation: 'none', ...options });
}

/** A compiled tree: the kit's testing module, its events recorded from the first. */
export type Compiled = SupervisionTestingModule;

/** Compiles a testing module through the kit, with the forRoot `metadata` brings; the test calls `init()`. */
export function compileTree(metadata: ModuleMetadata): Promise<Compiled> {
  return createSupervisionTestingModule({
    imports: metadata.imports,
    providers: metadata.providers,
    supervision: false,
    init: false,
    waitTimeoutMs: WAIT_TIMEOUT_MS,
  });
}

/** Compiles and inits a tree of `providers` under {@link supervision}`(options)`, closed by `cleanup`. */
export async function bootInProcess(
  cleanup: Cleanup,
  providers: Type<unknown>[],
  options: SupervisionModuleOptions = {},
): Promise<Compiled> {
  const tree = cleanup.track(await compileTree({ imports: [supervision(options)], providers }));
  await tree.moduleRef.init();
  return tree;
}

/** Everything a test opened, closed in afterEach whatever happened. */
export class Cleanup {
  private readonly tasks: (() => Promise<void> | void)[] = [];

  add(task: () => Promise<void> | void): void {
    this.tasks.push(task);
  }

  track<T extends { close(): Promise<void> }>(opened: T): T {
    this.add(() => opened.close());
    return opened;
  }

  async run(): Promise<void> {
    const tasks = this.tasks.splice(0).reverse();
    const errors: unknown[] = [];
    for (const task of tasks) {
      try {
        await task();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw errors[0];
  }
}
