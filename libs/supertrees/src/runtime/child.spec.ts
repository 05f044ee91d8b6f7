import { describe, expect, it } from '@jest/globals';
import type { WorkerNode } from '../tree/tree.types.js';
import type { SupervisedWorker, WorkerContext } from '../interfaces/worker.interface.js';
import { scheduleRestart, settlesWithin, type ChildExit } from './child.js';
import { WorkerChild, WorkerStopRequest } from './worker.child.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('scheduleRestart', () => {
  it('runs zero-delay restarts as microtasks, but gives the event loop a turn while a chain of them goes on', async () => {
    // A chain of zero-delay restarts that would never end by itself: only the loop's turn stops it.
    let restarts = 0;
    let stop = false;
    let cancel: () => void = () => undefined;
    const next = () => {
      if (stop) return;
      restarts += 1;
      cancel = scheduleRestart(0, next);
    };
    const immediateRan = new Promise<number>((resolve) =>
      setImmediate(() => {
        stop = true;
        resolve(restarts);
      }),
    );
    next();
    // Straight after the call nothing ran yet but the first: the rest are queued, not synchronous.
    expect(restarts).toBe(1);
    const atImmediate = await immediateRan;
    cancel();
    // Many restarts ran before the loop's turn (no turn per restart), and the turn came.
    expect(atImmediate).toBeGreaterThan(1);
    await turn();
    expect(restarts).toBe(atImmediate);
  });

  it('cancels a queued zero-delay restart', async () => {
    let ran = false;
    const cancel = scheduleRestart(0, () => (ran = true));
    cancel();
    await turn();
    await turn();
    expect(ran).toBe(false);
  });

  it('uses a timer for a positive delay, and cancels it', async () => {
    let ran = 0;
    scheduleRestart(5, () => (ran += 1));
    const cancel = scheduleRestart(5, () => (ran += 10));
    cancel();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(ran).toBe(1);
  });
});

describe('settlesWithin', () => {
  it('is false for a promise that settles in time, either way, and true for one that does not', async () => {
    await expect(settlesWithin(Promise.resolve(), 1_000)).resolves.toBe(false);
    await expect(settlesWithin(Promise.reject(new Error('x')), 1_000)).resolves.toBe(false);
    await expect(settlesWithin(new Promise(() => undefined), 10)).resolves.toBe(true);
  });
});

const node = (name: string): WorkerNode =>
  ({ kind: 'worker', name, path: `root/${name}`, shutdownTimeoutMs: 1_000 }) as unknown as WorkerNode;

/** Starts `worker` once and resolves with its exit. */
async function runOnce(worker: SupervisedWorker): Promise<{ child: WorkerChild; exit: Promise<ChildExit> }> {
  const child = new WorkerChild(node(worker.constructor.name), worker, undefined);
  let exited: (exit: ChildExit) => void = () => undefined;
  const exit = new Promise<ChildExit>((resolve) => (exited = resolve));
  await child.start(0, exited);
  return { child, exit };
}

describe('WorkerChild: the context and its signal', () => {
  it('gives a signal that is aborted with the shared `ended` reason once run() returned, even if first read afterwards', async () => {
    let ctx!: WorkerContext;
    const { exit } = await runOnce({
      run(c) {
        ctx = c;
      },
    });
    expect(await exit).toEqual({ kind: 'normal' });
    // Never read during the run: made on first read, already aborted.
    expect(ctx.signal.aborted).toBe(true);
    expect(ctx.signal.reason).toBeInstanceOf(WorkerStopRequest);
    expect((ctx.signal.reason as WorkerStopRequest).reason).toBe('ended');
  });

  it('keeps the signal when the context is spread or destructured, and aborts it with the stop reason', async () => {
    const seen: AbortSignal[] = [];
    const { child } = await runOnce({
      async run(ctx) {
        const copy = { ...ctx };
        const { signal } = ctx;
        seen.push(copy.signal, signal);
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      },
    });
    await turn();
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe(seen[1]);
    expect(seen[0]!.aborted).toBe(false);
    await expect(child.stop('shutdown')).resolves.toBe(false);
    expect(seen[0]!.aborted).toBe(true);
    expect(seen[0]!.reason).toMatchObject({ name: 'WorkerStopRequest', reason: 'shutdown' });
  });

  it('settles a start promptly when stopped during init(), with the stop as the reason', async () => {
    let release: () => void = () => undefined;
    const child = new WorkerChild(
      node('SlowInit'),
      {
        init: (ctx) =>
          new Promise<void>((resolve) => {
            release = resolve;
            expect(ctx.signal.aborted).toBe(false);
          }),
        run: () => undefined,
      },
      undefined,
    );
    const start = child.start(0, () => undefined);
    await turn();
    const stopped = child.stop('shutdown');
    await expect(start).rejects.toMatchObject({ name: 'WorkerStopRequest', reason: 'shutdown' });
    release();
    await expect(stopped).resolves.toBe(false);
  });

  it('reports a synchronous throw in run() as a failed run', async () => {
    const error = new TypeError('sync');
    const { exit } = await runOnce({
      run() {
        throw error;
      },
    });
    expect(await exit).toEqual({ kind: 'failed', error, phase: 'run' });
  });
});
