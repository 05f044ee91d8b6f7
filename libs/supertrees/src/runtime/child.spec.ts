import { describe, expect, it, jest } from '@jest/globals';
import type { WorkerNode } from '../tree/tree.types.js';
import type { SupervisedWorker, WorkerContext } from '../interfaces/worker.interface.js';
import { RESTART_BURST_MAX, scheduleRestart, settlesWithin, type ChildExit } from './child.js';
import { WorkerChild, WorkerStopRequest } from './worker.child.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('scheduleRestart', () => {
  /** A chain of zero-delay restarts, each scheduling the next, until stopped. */
  function chain() {
    const state = { restarts: 0, stopped: false, cancel: () => undefined as void };
    const next = () => {
      if (state.stopped) return;
      state.restarts += 1;
      state.cancel = scheduleRestart(0, next);
    };
    next();
    return state;
  }
  const turnsWhile = async (state: { restarts: number }, turns: number): Promise<number[]> => {
    const seen: number[] = [];
    for (let i = 0; i < turns; i += 1) {
      await turn();
      seen.push(state.restarts);
    }
    return seen;
  };

  it('runs zero-delay restarts as microtasks, gives the event loop turns, and goes on across them', async () => {
    const state = chain();
    // Straight after the call nothing ran yet but the first: the rest are queued, not synchronous.
    expect(state.restarts).toBe(1);
    const seen = await turnsWhile(state, 5);
    state.stopped = true;
    state.cancel();
    // The loop got its turns (this test is running), many restarts ran per turn (no turn per
    // restart), and the chain kept going from turn to turn (the restart that yields is not lost).
    expect(seen[0]).toBeGreaterThan(1);
    for (let i = 1; i < seen.length; i += 1) expect(seen[i]).toBeGreaterThan(seen[i - 1]!);
  });

  it('ends a burst after RESTART_BURST_MAX restarts even when the clock does not move', async () => {
    const now = jest.spyOn(performance, 'now').mockReturnValue(1_000);
    try {
      const state = chain();
      const seen = await turnsWhile(state, 3);
      state.stopped = true;
      state.cancel();
      expect(seen[0]).toBeLessThanOrEqual(RESTART_BURST_MAX + 2);
      expect(seen[2]).toBeGreaterThan(seen[1]!);
    } finally {
      now.mockRestore();
    }
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

  it('never calls run() when stopped after start() was called but before run() was', async () => {
    let ran = false;
    let exits = 0;
    const child = new WorkerChild(node('Late'), { run: () => void (ran = true) }, undefined);
    // run() is called a microtask later: a stop in the same tick comes first.
    const started = child.start(0, () => (exits += 1));
    const stopped = child.stop('shutdown');
    await started;
    await expect(stopped).resolves.toBe(false);
    await turn();
    expect(ran).toBe(false);
    expect(exits).toBe(0);
  });

  it('never calls init() when stopped before it was called, and rejects the start with the stop', async () => {
    let initCalls = 0;
    const child = new WorkerChild(node('LateInit'), { init: () => void (initCalls += 1), run: () => undefined }, undefined);
    const start = child.start(0, () => undefined);
    const stopped = child.stop('shutdown');
    await expect(start).rejects.toMatchObject({ name: 'WorkerStopRequest', reason: 'shutdown' });
    await expect(stopped).resolves.toBe(false);
    expect(initCalls).toBe(0);
  });

  it('aborts the signal of a start whose init() failed', async () => {
    let signal!: AbortSignal;
    const child = new WorkerChild(
      node('BadInit'),
      {
        init: (ctx) => {
          signal = ctx.signal;
          throw new Error('init failed');
        },
        run: () => undefined,
      },
      undefined,
    );
    await expect(child.start(0, () => undefined)).rejects.toThrow('init failed');
    expect(signal.aborted).toBe(true);
    expect((signal.reason as WorkerStopRequest).reason).toBe('ended');
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
