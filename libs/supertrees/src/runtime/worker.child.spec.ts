import { describe, expect, it } from '@jest/globals';
import type { WorkerNode } from '../tree/tree.types.js';
import { workerNode } from '../../../../test/helpers/tree-nodes.js';
import type { SupervisedWorker, WorkerContext } from '../interfaces/worker.interface.js';
import type { ChildExit } from './supervised-child.js';
import { WorkerChild, WorkerStopRequest } from './worker.child.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const node = (name: string): WorkerNode => workerNode(`root/${name}`, { shutdownTimeoutMs: 1_000 });

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

  it('fails a start whose init() outlives initTimeoutMs, aborts its signal, and leaves no timer when init() settles in time', async () => {
    let signal!: AbortSignal;
    const stuck = new WorkerChild(
      workerNode('root/Stuck', { initTimeoutMs: 20 }),
      {
        init: (ctx) => {
          signal = ctx.signal;
          return new Promise<void>(() => undefined);
        },
        run: () => undefined,
      },
      undefined,
    );
    await expect(stuck.start(0, () => undefined)).rejects.toMatchObject({ name: 'WorkerInitTimeoutError', path: 'root/Stuck', timeoutMs: 20 });
    expect(signal.aborted).toBe(true);

    // A quick init() under a long limit: the start resolves and the limit's timer is gone with it.
    const quick = new WorkerChild(workerNode('root/Quick', { initTimeoutMs: 60_000 }), { init: () => undefined, run: () => undefined }, undefined);
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    await quick.start(0, () => undefined);
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBe(timersBefore);
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
