// Start order, init() before every start, and what a worker gets in its WorkerContext.
import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { Worker, WorkerStopRequest, type SupervisedWorker, type WorkerContext } from '../libs/supertrees/src/index.js';
import {
  aborted,
  bootInProcess,
  Cleanup,
  compileTree,
  Deferred,
  defineSupervisor,
  defineWorker,
  RunControl,
  settle,
  supervision,
} from './helpers/in-process.js';

const cleanup = new Cleanup();

@Injectable()
class Journal {
  readonly entries: number[] = [];
  readonly writers: unknown[] = [];
}

@Worker({ backoff: { minDelayMs: 1 } })
class Journaling implements SupervisedWorker {
  constructor(private readonly journal: Journal) {}

  run(ctx: WorkerContext): Promise<void> {
    this.journal.entries.push(ctx.attempt);
    this.journal.writers.push(this);
    if (ctx.attempt === 0) return Promise.reject(new Error('first run fails'));
    return aborted(ctx.signal);
  }
}
afterEach(() => cleanup.run());

describe('start order', () => {
  it("starts each child only after the previous one's init() resolved, and app.init() waits for the last", async () => {
    const control = new RunControl();
    const log: string[] = [];
    const names = ['A', 'B', 'C'] as const;
    const entered = new Map(names.map((n) => [n, new Deferred()]));
    const release = new Map(names.map((n) => [n, new Deferred()]));
    // Whatever the test's outcome, no init() is left waiting.
    cleanup.add(() => release.forEach((gate) => gate.resolve()));
    const types = names.map((name) =>
      defineWorker(name, {
        init: async () => {
          log.push(`init ${name}`);
          entered.get(name)!.resolve();
          await release.get(name)!.promise;
          log.push(`init ${name} resolved`);
        },
        run: (ctx) => {
          log.push(`run ${name}`);
          return control.hold(ctx);
        },
      }),
    );
    const sup = defineSupervisor('Sup', { children: types });
    const tree = cleanup.track(await compileTree({ imports: [supervision()], providers: [...types, sup] }));
    let initialized = false;
    const init = tree.moduleRef.init().then(() => {
      initialized = true;
    });

    for (const name of names) {
      await entered.get(name)!.promise;
      await settle();
      // Nothing after this child has begun while its init() is pending.
      expect(log.at(-1)).toBe(`init ${name}`);
      expect(initialized).toBe(false);
      release.get(name)!.resolve();
    }
    await init;

    expect(log).toEqual(['init A', 'init A resolved', 'run A', 'init B', 'init B resolved', 'run B', 'init C', 'init C resolved', 'run C']);
    expect(tree.recorder.trace({ where: (e) => e.type === 'starting' || e.type === 'started' })).toEqual([
      'starting root',
      'starting root/Sup',
      'starting root/Sup/A',
      'started root/Sup/A',
      'starting root/Sup/B',
      'started root/Sup/B',
      'starting root/Sup/C',
      'started root/Sup/C',
      'started root/Sup',
      'started root',
    ]);
  });

  it('starts root-level children in the order their modules provide them, nested supervisors depth first', async () => {
    const control = new RunControl();
    const w = (name: string) => defineWorker(name, { run: (ctx) => control.hold(ctx) });
    const [x, y, z] = [w('X'), w('Y'), w('Z')];
    const inner = defineSupervisor('Inner', { children: [y] });
    const tree = await bootInProcess(cleanup, [x, y, inner, z]);

    expect(tree.recorder.trace({ type: 'started' })).toEqual(['started root/X', 'started root/Inner/Y', 'started root/Inner', 'started root/Z', 'started root']);
  });
});

describe('init()', () => {
  it('runs before every start and every restart, each time with the attempt number', async () => {
    const log: string[] = [];
    const control = new RunControl();
    const type = defineWorker(
      'Resetting',
      {
        init: (ctx) => {
          log.push(`init #${ctx.attempt}`);
        },
        run: (ctx) => {
          log.push(`run #${ctx.attempt}`);
          if (ctx.attempt < 2) throw new Error('not yet');
          return control.hold(ctx);
        },
      },
      { backoff: { minDelayMs: 1 } },
    );
    const tree = await bootInProcess(cleanup, [type]);
    await tree.recorder.waitFor({ where: (e) => e.type === 'restarted' && e.attempt === 2 });

    expect(log).toEqual(['init #0', 'run #0', 'init #1', 'run #1', 'init #2', 'run #2']);
  });

  it("that throws fails the start with phase 'init', skips run(), and the worker is restarted", async () => {
    const log: string[] = [];
    const control = new RunControl();
    const type = defineWorker(
      'BadInit',
      {
        init: async (ctx) => {
          log.push(`init #${ctx.attempt}`);
          if (ctx.attempt === 0) throw new TypeError('no connection yet');
        },
        run: (ctx) => {
          log.push(`run #${ctx.attempt}`);
          return control.hold(ctx);
        },
      },
      { backoff: { minDelayMs: 1 } },
    );
    const tree = await bootInProcess(cleanup, [type]);
    await tree.recorder.waitFor({ type: 'restarted', path: 'root/BadInit' });

    expect(log).toEqual(['init #0', 'init #1', 'run #1']);
    const [failed] = tree.recorder.of({ type: 'failed' });
    expect(failed).toMatchObject({ attempt: 0, phase: 'init', ranForMs: 0, error: { name: 'TypeError', message: 'no connection yet' } });
    expect(tree.recorder.trace({ where: (e) => e.path === 'root/BadInit' })).toEqual([
      'starting root/BadInit',
      'failed root/BadInit',
      'restart-scheduled root/BadInit',
      'starting root/BadInit',
      'started root/BadInit',
      'restarted root/BadInit',
    ]);
  });
});

describe('initTimeoutMs', () => {
  it("fails a start whose init() does not settle in time with WorkerInitTimeoutError (phase 'init'), aborts its signal, and restarts the worker", async () => {
    const control = new RunControl();
    const signals: AbortSignal[] = [];
    const type = defineWorker(
      'StuckInit',
      {
        // The first init() never settles (only its signal can tell it to give up); the next returns.
        init: (ctx) => {
          signals.push(ctx.signal);
          return ctx.attempt === 0 ? new Promise<void>(() => undefined) : undefined;
        },
        run: (ctx) => control.hold(ctx),
      },
      { initTimeoutMs: 100, backoff: { minDelayMs: 1 } },
    );
    const tree = await bootInProcess(cleanup, [type]);
    await tree.recorder.waitFor({ type: 'restarted', path: 'root/StuckInit' });

    const [failed] = tree.recorder.of({ type: 'failed', path: 'root/StuckInit' });
    expect(failed).toMatchObject({
      attempt: 0,
      phase: 'init',
      error: { name: 'WorkerInitTimeoutError', message: 'root/StuckInit: init() did not settle within its initTimeoutMs (100 ms); the start failed and its signal was aborted' },
    });
    expect(signals[0]!.aborted).toBe(true);
    expect(signals[1]!.aborted).toBe(false);
  });

  it('takes the module default from forRoot({ initTimeoutMs }), and a worker\'s own option wins over it', async () => {
    const control = new RunControl();
    const stuck = (name: string, options: { initTimeoutMs?: number }) =>
      defineWorker(name, { init: (ctx) => (ctx.attempt === 0 ? new Promise<void>(() => undefined) : undefined), run: (ctx) => control.hold(ctx) }, { backoff: { minDelayMs: 1 }, ...options });
    const tree = await bootInProcess(cleanup, [stuck('ByDefault', {}), stuck('OwnLimit', { initTimeoutMs: 150 })], { initTimeoutMs: 50 });
    await tree.recorder.waitFor({ type: 'restarted', path: 'root/OwnLimit' });
    const messages = tree.recorder.of({ type: 'failed' }).map((e) => e.type === 'failed' && e.error.message);
    expect(messages).toEqual([
      'root/ByDefault: init() did not settle within its initTimeoutMs (50 ms); the start failed and its signal was aborted',
      'root/OwnLimit: init() did not settle within its initTimeoutMs (150 ms); the start failed and its signal was aborted',
    ]);
  });
});

describe('WorkerContext', () => {
  it('gives init() and run() the same context: a live signal, the attempt, the path and a logger', async () => {
    const seen: { phase: string; ctx: WorkerContext; aborted: boolean }[] = [];
    const control = new RunControl();
    const type = defineWorker(
      'Contextual',
      {
        init: (ctx) => {
          seen.push({ phase: 'init', ctx, aborted: ctx.signal.aborted });
        },
        run: (ctx) => {
          seen.push({ phase: 'run', ctx, aborted: ctx.signal.aborted });
          return control.hold(ctx);
        },
      },
      { name: 'custom-name', backoff: { minDelayMs: 1 } },
    );
    const sup = defineSupervisor('Sup', { children: [type] });
    const tree = await bootInProcess(cleanup, [type, sup]);

    expect(seen.map((s) => s.phase)).toEqual(['init', 'run']);
    const [init, run] = seen;
    expect(run!.ctx).toBe(init!.ctx);
    const ctx = run!.ctx;
    expect(run!.aborted).toBe(false);
    expect(ctx.signal).toBeInstanceOf(AbortSignal);
    expect(ctx.attempt).toBe(0);
    expect(ctx.path).toBe('root/Sup/custom-name');
    for (const method of ['log', 'error', 'warn'] as const) expect(typeof ctx.logger[method]).toBe('function');

    control.fail(ctx.path);
    await tree.recorder.waitFor({ type: 'restarted', path: ctx.path });
    const next = seen.at(-1)!.ctx;
    expect(next).toMatchObject({ attempt: 1, path: 'root/Sup/custom-name' });
    expect(next.signal).not.toBe(ctx.signal);
    expect(next.signal.aborted).toBe(false);

    await tree.close();
    expect(next.signal.aborted).toBe(true);
    expect(next.signal.reason).toBeInstanceOf(WorkerStopRequest);
    expect(next.signal.reason).toMatchObject({ reason: 'shutdown', name: 'WorkerStopRequest' });
  });

  it('runs the Nest singleton, with its injected dependencies, on every restart', async () => {
    const tree = await bootInProcess(cleanup, [Journal, Journaling]);
    await tree.recorder.waitFor({ type: 'restarted', path: 'root/Journaling' });

    const journal = tree.moduleRef.get(Journal);
    expect(journal.entries).toEqual([0, 1]);
    expect(new Set(journal.writers)).toEqual(new Set([tree.moduleRef.get(Journaling)]));
  });
});
