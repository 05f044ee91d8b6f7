import { afterEach, describe, expect, it } from '@jest/globals';
import type { ModuleMetadata } from '@nestjs/common';
import {
  SupervisionModule,
  SupervisionService,
  Worker,
  type SupervisedWorker,
  type WorkerContext,
} from '../libs/supertrees/src/index.js';
import { createSupervisionTestingModule, type EventRecorder, type SupervisionTestingModule } from '#supertrees/testing';
import { InProcessSpinner, SCENARIOS } from './fixtures/scenarios.js';
import { descendantsOf, eventually, isAlive } from './helpers/processes.js';

let app: SupervisionTestingModule | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
  await eventually(() => descendantsOf(process.pid).filter(isAlive).length === 0, 'no child process left');
});

/** Boots `imports` (which bring their own forRoot) and `providers` through the testing kit. */
async function boot(imports: ModuleMetadata['imports'], providers: ModuleMetadata['providers'] = []): Promise<{ service: SupervisionService; recorder: EventRecorder }> {
  app = await createSupervisionTestingModule({
    imports,
    providers,
    supervision: false,
    init: false,
    waitTimeoutMs: 30_000,
  });
  await app.init();
  return app;
}

/** Runs until stopped, counting its loop turns: it only advances while the event loop is free. */
@Worker()
class Heartbeat implements SupervisedWorker {
  beats = 0;
  async run(ctx: WorkerContext): Promise<void> {
    while (!ctx.signal.aborted) {
      this.beats += 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

let initCalls = 0;
@Worker({ backoff: { minDelayMs: 1, multiplier: 2, maxDelayMs: 8 } })
class InitAlwaysThrows implements SupervisedWorker {
  init(): void {
    initCalls += 1;
    throw new Error(`init failed #${initCalls}`);
  }
  run(): void {
    throw new Error('run must never be called');
  }
}

@Worker({ backoff: { minDelayMs: 1 } })
class ThrowsSynchronously implements SupervisedWorker {
  run(ctx: WorkerContext): void {
    if (ctx.attempt < 3) throw new TypeError(`sync throw ${ctx.attempt}`);
  }
}

const inProcess = { onTreeFailure: 'keep-running' as const, logging: false, defaultIsolation: 'none' as const };

describe('misbehaving workers', () => {
  it('a worker that resolves at once under always with zero backoff leaves the event loop free and the tree running', async () => {
    const { recorder } = await boot([SupervisionModule.forRoot(inProcess)], [InProcessSpinner, Heartbeat]);
    const heartbeat = app!.moduleRef.get(Heartbeat);
    const before = heartbeat.beats;
    // A timer in this process must still fire, and the neighbour must still be making progress.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await eventually(() => heartbeat.beats >= before + 5, 'the other worker keeps turning');
    await recorder.waitForCount({ type: 'restarted', path: 'root/InProcessSpinner' }, 1_000);
    expect(recorder.of({ type: 'stopping', path: 'root/Heartbeat' })).toEqual([]);
    expect(app!.moduleRef.get(SupervisionService).snapshot().children!.find((c) => c.name === 'Heartbeat')!.state).toBe('running');
  });

  it('a worker whose init() throws every time never runs, is retried with growing backoff, and does not disturb the others', async () => {
    initCalls = 0;
    const { recorder } = await boot([SupervisionModule.forRoot(inProcess)], [InitAlwaysThrows, Heartbeat]);
    const scheduled = await recorder.waitForCount({ type: 'restart-scheduled', path: 'root/InitAlwaysThrows' }, 6);
    expect(scheduled.map((e) => (e.type === 'restart-scheduled' ? e.delayMs : -1))).toEqual([1, 2, 4, 8, 8, 8]);
    const failures = recorder.of({ type: 'failed', path: 'root/InitAlwaysThrows' });
    expect(failures.every((e) => e.type === 'failed' && e.phase === 'init' && e.error.message.startsWith('init failed #'))).toBe(true);
    expect(recorder.of({ type: 'started', path: 'root/InitAlwaysThrows' })).toEqual([]);
    expect(recorder.of({ type: 'started', path: 'root/Heartbeat' })).toHaveLength(1);
    expect(recorder.of({ type: 'stopping', path: 'root/Heartbeat' })).toEqual([]);
  });

  it('a worker that throws synchronously is a failed run like any other', async () => {
    const { recorder } = await boot([SupervisionModule.forRoot(inProcess)], [ThrowsSynchronously]);
    await recorder.waitFor({ type: 'exited', path: 'root/ThrowsSynchronously' });
    const failed = recorder.of({ type: 'failed', path: 'root/ThrowsSynchronously' });
    expect(failed.map((e) => e.type === 'failed' && [e.phase, e.error.name, e.error.message])).toEqual([
      ['run', 'TypeError', 'sync throw 0'],
      ['run', 'TypeError', 'sync throw 1'],
      ['run', 'TypeError', 'sync throw 2'],
    ]);
  });

  it('survives a child process sending hundreds of malformed IPC messages, and counts every one', async () => {
    process.env.FUZZ_COUNT = '600';
    process.env.FUZZ_SEED = '20261123';
    try {
      const { service, recorder } = await boot([SCENARIOS.fuzz!]);
      const errors = await recorder.waitForCount({ type: 'protocol-error', path: 'root/FuzzSupervisor' }, 600);
      expect(errors.at(-1)).toMatchObject({ count: 600 });
      // It goes on: the child is healthy and the tree running; nothing else was rejected or failed.
      expect(service.snapshot().children![0]).toMatchObject({ state: 'running' });
      expect(recorder.of({ type: 'failed' })).toEqual([]);
      await app!.close();
      app = undefined;
      expect(recorder.of({ type: 'protocol-error' })).toHaveLength(600);
    } finally {
      delete process.env.FUZZ_COUNT;
      delete process.env.FUZZ_SEED;
    }
  });
});
