import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { Supervisor, Worker, type SupervisedWorker, type WorkerContext } from '../libs/supertrees/src/index.js';
import { createSupervisionTestingModule, type SupervisionTestingModule } from '#supertrees/testing';

let harness: SupervisionTestingModule | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Resolves when the signal aborts. */
const aborted = (signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });

@Injectable()
class Counter {
  runs = 0;
}

@Worker({ backoff: { minDelayMs: 1 } })
class Steady implements SupervisedWorker {
  constructor(private readonly counter: Counter) {}
  inits = 0;
  init(): void {
    this.inits += 1;
  }
  async run(ctx: WorkerContext): Promise<void> {
    this.counter.runs += 1;
    await aborted(ctx.signal);
  }
}

@Worker({ backoff: { minDelayMs: 1, multiplier: 2 } })
class FailsTwice implements SupervisedWorker {
  async run(ctx: WorkerContext): Promise<void> {
    if (ctx.attempt < 2) throw new Error(`boom ${ctx.attempt}`);
    await aborted(ctx.signal);
  }
}

describe('in-process tree', () => {
  it('starts root-level workers with Nest DI and reports them running', async () => {
    harness = await createSupervisionTestingModule({ providers: [Counter, Steady] });
    expect(harness.moduleRef.get(Counter).runs).toBe(1);
    expect(harness.moduleRef.get(Steady).inits).toBe(1);
    const snap = harness.service.snapshot();
    expect(snap.children?.map((c) => [c.path, c.state])).toEqual([['root/Steady', 'running']]);
  });

  it('restarts a failing worker with growing backoff and counts its restarts', async () => {
    harness = await createSupervisionTestingModule({ providers: [FailsTwice] });
    await harness.recorder.waitForCount({ type: 'restarted', path: 'root/FailsTwice' }, 2);
    const delays = harness.recorder.of({ type: 'restart-scheduled' }).map((e) => (e.type === 'restart-scheduled' ? e.delayMs : -1));
    expect(delays).toEqual([1, 2]);
    expect(harness.recorder.of({ type: 'failed' }).map((e) => (e.type === 'failed' ? e.error.message : ''))).toEqual(['boom 0', 'boom 1']);
    expect(harness.service.snapshot().children?.[0]).toMatchObject({ state: 'running', restarts: 2, lastError: { message: 'boom 1' } });
  });

  it('stops workers in reverse start order on close and completes the stream', async () => {
    @Worker()
    class A implements SupervisedWorker {
      run(ctx: WorkerContext) {
        return aborted(ctx.signal);
      }
    }
    @Worker()
    class B implements SupervisedWorker {
      run(ctx: WorkerContext) {
        return aborted(ctx.signal);
      }
    }
    @Supervisor({ children: [A, B], isolation: 'none' })
    class Sup {}
    harness = await createSupervisionTestingModule({ providers: [A, B, Sup] });
    await harness.close();
    expect(harness.recorder.trace({ where: (e) => e.type === 'started' || e.type === 'stopped' })).toEqual([
      'started root/Sup/A',
      'started root/Sup/B',
      'started root/Sup',
      'started root',
      'stopped root/Sup/B',
      'stopped root/Sup/A',
      'stopped root/Sup',
      'stopped root',
    ]);
    expect(harness.recorder.completed).toBe(true);
  });
});
