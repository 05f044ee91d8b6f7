// SupervisionModule's options at work: manual start, forRootAsync with useFactory and useClass.
import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable, Module, type ConfigurableModuleOptionsFactory, type LoggerService } from '@nestjs/common';
import { MESSAGES, SupervisionModule, SupervisionService, Supervisor, type SupervisionModuleOptions } from '../libs/supertrees/src/index.js';
import { findNode } from '#supertrees/testing';
import { Cleanup, compileTree, Deferred, defineWorker, RunControl, supervision } from './helpers/in-process.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** A worker counting its init() and run() calls, running until stopped (or failing its first run). */
function counted(name: string, failFirstRun = false) {
  const control = new RunControl();
  const calls = { init: 0, run: 0 };
  const type = defineWorker(
    name,
    {
      init: () => {
        calls.init += 1;
      },
      run: (ctx) => {
        calls.run += 1;
        if (ctx.attempt === 0 && failFirstRun) throw new Error(`${name} failed`);
        return control.hold(ctx);
      },
    },
    { backoff: { minDelayMs: 1 } },
  );
  return { type, calls };
}

describe('autoStart: false', () => {
  it('builds the tree at init but starts nothing until SupervisionService.start()', async () => {
    const { type, calls } = counted('Manual');
    const tree = cleanup.track(await compileTree({ imports: [supervision({ autoStart: false })], providers: [type] }));
    await tree.moduleRef.init();

    expect(tree.recorder.events).toEqual([]);
    expect(calls).toEqual({ init: 0, run: 0 });
    const idle = tree.service.snapshot();
    expect([idle.state, findNode(idle, 'root/Manual').state]).toEqual(['idle', 'idle']);

    const first = tree.service.start();
    const second = tree.service.start();
    expect(second).toBe(first);
    await first;

    expect(calls).toEqual({ init: 1, run: 1 });
    expect(tree.recorder.trace()).toEqual(['starting root', 'starting root/Manual', 'started root/Manual', 'started root']);
    expect(findNode(tree.service.snapshot(), 'root/Manual').state).toBe('running');
  });

  it('closes cleanly when the tree was never started', async () => {
    const { type, calls } = counted('NeverStarted');
    const tree = cleanup.track(await compileTree({ imports: [supervision({ autoStart: false })], providers: [type] }));
    await tree.moduleRef.init();
    await tree.close();

    expect(tree.recorder.events).toEqual([]);
    expect(tree.recorder.completed).toBe(true);
    expect(calls).toEqual({ init: 0, run: 0 });
  });

  it('SupervisionService.stop() stops the tree before the application closes, and close() does not stop it twice', async () => {
    const { type } = counted('Stoppable');
    const tree = cleanup.track(await compileTree({ imports: [supervision()], providers: [type] }));
    await tree.moduleRef.init();

    await tree.service.stop();
    expect(tree.recorder.trace({ where: (e) => e.type === 'stopped' })).toEqual(['stopped root/Stoppable', 'stopped root']);
    expect(tree.recorder.completed).toBe(false);

    await tree.close();
    expect(tree.recorder.of({ type: 'stopping' })).toHaveLength(2);
    expect(tree.recorder.completed).toBe(true);
  });

  // SupervisionOrchestrator.stop() memoizes its promise even when nothing was started, and start()
  // does not look at it: a start() after that stop() runs the tree, and app.close() then reuses
  // the settled stop and never stops it. The worker runs on after the application closed.
  it('leaves no worker running after close when stop() came before start()', async () => {
    const control = new RunControl();
    const signals: AbortSignal[] = [];
    const type = defineWorker('Late', {
      run: (ctx) => {
        signals.push(ctx.signal);
        return control.hold(ctx);
      },
    });
    cleanup.add(() => control.finish('root/Late'));
    const tree = cleanup.track(await compileTree({ imports: [supervision({ autoStart: false })], providers: [type] }));
    await tree.moduleRef.init();

    await tree.service.stop();
    await tree.service.start();
    await tree.close();

    expect(signals.every((signal) => signal.aborted)).toBe(true);
    expect(findNode(tree.service.snapshot(), 'root/Late').state).not.toBe('running');
  });
});

@Injectable()
class TreeSettings {
  readonly strategy = 'rest-for-one' as const;
  readonly maxRestarts = 0;
}

@Module({ providers: [TreeSettings], exports: [TreeSettings] })
class SettingsModule {}

@Injectable()
class SupervisionSettings implements ConfigurableModuleOptionsFactory<SupervisionModuleOptions, 'create'> {
  create(): SupervisionModuleOptions {
    return { autoStart: false, defaultIsolation: 'none', logging: false, onTreeFailure: 'keep-running', strategy: 'one-for-all' };
  }
}

/** A provider in a module of its own, to show the service is injectable anywhere (the module is global). */
@Injectable()
class Dashboard {
  constructor(readonly supervision: SupervisionService) {}
}
@Module({ providers: [Dashboard] })
class DashboardModule {}

describe('forRootAsync', () => {
  it('takes its options from useFactory with inject', async () => {
    const { type: crashy } = counted('Crashy', true);
    const { type: steady } = counted('Steady');
    // No isolation of its own: forRoot's defaultIsolation decides where it runs.
    @Supervisor({ children: [steady] })
    class Sup {}
    const tree = cleanup.track(
      await compileTree({
        imports: [
          SupervisionModule.forRootAsync({
            imports: [SettingsModule],
            inject: [TreeSettings],
            useFactory: (settings: TreeSettings): SupervisionModuleOptions => ({
              strategy: settings.strategy,
              maxRestarts: settings.maxRestarts,
              withinMs: 60_000,
              defaultIsolation: 'none',
              logging: false,
              onTreeFailure: 'keep-running',
            }),
          }),
        ],
        providers: [crashy, steady, Sup],
      }),
    );
    await tree.moduleRef.init();
    await tree.recorder.waitFor({ type: 'tree-failed', path: 'root' });

    const snapshot = tree.service.snapshot();
    expect(snapshot).toMatchObject({ strategy: 'rest-for-one', state: 'failed' });
    expect(findNode(snapshot, 'root/Sup')).toMatchObject({ isolation: 'none', pid: process.pid });
    expect(tree.recorder.trace({ where: (e) => e.path === 'root' }).slice(-2)).toEqual(['gave-up root', 'tree-failed root']);
  });

  it('takes its options from useClass, and its service is injectable in any module', async () => {
    const { type, calls } = counted('Lazy');
    const tree = cleanup.track(
      await compileTree({
        imports: [SupervisionModule.forRootAsync({ useClass: SupervisionSettings }), DashboardModule],
        providers: [type],
      }),
    );
    await tree.moduleRef.init();

    expect(calls).toEqual({ init: 0, run: 0 });
    const dashboard = tree.moduleRef.get(Dashboard);
    expect(dashboard.supervision).toBe(tree.service);
    expect(dashboard.supervision.snapshot()).toMatchObject({ state: 'idle', strategy: 'one-for-all' });

    await dashboard.supervision.start();
    expect(calls).toEqual({ init: 1, run: 1 });
  });
});

/** Keeps what the library logs through Nest's Logger. */
class CapturingLogger implements LoggerService {
  readonly entries: { level: string; message: string; params: unknown[] }[] = [];
  log(message: unknown, ...params: unknown[]): void {
    this.entries.push({ level: 'log', message: String(message), params });
  }
  error(message: unknown, ...params: unknown[]): void {
    this.entries.push({ level: 'error', message: String(message), params });
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.entries.push({ level: 'warn', message: String(message), params });
  }
  /** Entries whose context (Nest passes it last) is `context`. */
  from(context: string) {
    return this.entries.filter((e) => e.params.at(-1) === context);
  }
}

describe('logging', () => {
  /** A worker failing its first run, one ignoring its stop signal, and a capturing logger. */
  async function bootLogged(logging: boolean) {
    const never = new Deferred();
    cleanup.add(() => never.resolve());
    const control = new RunControl();
    const flaky = defineWorker(
      'Flaky',
      {
        run: (ctx) => {
          ctx.logger.log(`attempt ${ctx.attempt}`);
          if (ctx.attempt === 0) throw new Error('kaput');
          return control.hold(ctx);
        },
      },
      { backoff: { minDelayMs: 1 } },
    );
    const stubborn = defineWorker('Stubborn', { run: () => never.promise }, { shutdownTimeoutMs: 5 });
    const logger = new CapturingLogger();
    const tree = cleanup.track(await compileTree({ imports: [supervision({ logging })], providers: [flaky, stubborn] }));
    tree.moduleRef.useLogger(logger);
    await tree.moduleRef.init();
    await tree.recorder.waitFor({ type: 'restarted', path: 'root/Flaky' });
    await tree.close();
    return logger;
  }

  it('logs a failure with its stack and an abandoned worker with a warning; workers log under their name', async () => {
    const logger = await bootLogged(true);

    const [failure, ...otherErrors] = logger.from('Supervision').filter((e) => e.level === 'error');
    expect(otherErrors).toEqual([]);
    expect(failure?.message).toBe('root/Flaky failed: kaput');
    expect(String(failure?.params[0])).toMatch(/^Error: kaput\n\s+at /);
    expect(logger.from('Supervision').filter((e) => e.level === 'warn').map((e) => e.message)).toEqual([
      MESSAGES.abandoned('root/Stubborn', 5),
    ]);
    expect(logger.from('Flaky').map((e) => e.message)).toEqual(['attempt 0', 'attempt 1']);
  });

  it('with logging: false, logs nothing of its own (a worker still logs through its context)', async () => {
    const logger = await bootLogged(false);

    expect(logger.from('Supervision')).toEqual([]);
    expect(logger.from('Flaky')).toHaveLength(2);
  });
});

