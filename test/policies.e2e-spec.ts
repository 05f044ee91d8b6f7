// Restart policies and backoff on real workers, in real Nest application contexts.
import { afterEach, describe, expect, it } from '@jest/globals';
import type { RestartPolicy, WorkerContext } from '../libs/supertrees/src/index.js';
import { bootInProcess, Cleanup, defineWorker, RunControl, type Compiled } from './helpers/in-process.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** A worker whose every run the test ends, with a 1 ms restart delay, logging each run's attempt. */
function controlled(name: string, restart: RestartPolicy) {
  const control = new RunControl();
  const runs: number[] = [];
  const type = defineWorker(
    name,
    {
      run: (ctx: WorkerContext) => {
        runs.push(ctx.attempt);
        return control.hold(ctx);
      },
    },
    { restart, backoff: { minDelayMs: 1 } },
  );
  return { type, control, runs, path: `root/${name}` };
}

describe('restart policies', () => {
  it("'always' restarts a worker whose run() returned, and one whose run() failed", async () => {
    const w = controlled('Always', 'always');
    const tree = await bootInProcess(cleanup, [w.type]);

    w.control.finish(w.path);
    await tree.recorder.waitFor({ where: (e) => e.type === 'restarted' && e.attempt === 1 });
    w.control.fail(w.path);
    await tree.recorder.waitFor({ where: (e) => e.type === 'restarted' && e.attempt === 2 });

    expect(tree.recorder.trace({ where: (e) => e.path === w.path })).toEqual([
      `starting ${w.path}`,
      `started ${w.path}`,
      `exited ${w.path}`,
      `restart-scheduled ${w.path}`,
      `starting ${w.path}`,
      `started ${w.path}`,
      `restarted ${w.path}`,
      `failed ${w.path}`,
      `restart-scheduled ${w.path}`,
      `starting ${w.path}`,
      `started ${w.path}`,
      `restarted ${w.path}`,
    ]);
    expect(w.runs).toEqual([0, 1, 2]);
    expect(tree.node(w.path)).toMatchObject({ state: 'running', restarts: 2 });
  });

  it("'on-failure' restarts after a failure but gives up when run() returns", async () => {
    const w = controlled('Transient', 'on-failure');
    const tree = await bootInProcess(cleanup, [w.type]);

    w.control.fail(w.path, 'first run failed');
    await tree.recorder.waitFor({ type: 'restarted', path: w.path });
    w.control.finish(w.path);
    const gaveUp = await tree.recorder.waitFor({ type: 'gave-up', path: w.path });

    expect(gaveUp).toMatchObject({ reason: 'policy', restarts: 1 });
    const afterExit = tree.recorder.trace({ where: (e) => e.path === w.path }).slice(-2);
    expect(afterExit).toEqual([`exited ${w.path}`, `gave-up ${w.path}`]);
    expect(tree.recorder.of({ type: 'restart-scheduled' })).toHaveLength(1);
    expect(tree.node(w.path)).toMatchObject({
      state: 'exited',
      restarts: 1,
      lastError: { message: 'first run failed' },
    });
    await tree.close();
    expect(w.runs).toEqual([0, 1]);
  });

  it("'once' restarts a worker one time in its life, then gives up", async () => {
    const w = controlled('Once', 'once');
    const tree = await bootInProcess(cleanup, [w.type]);

    w.control.fail(w.path, 'first');
    await tree.recorder.waitFor({ type: 'restarted', path: w.path });
    w.control.fail(w.path, 'second');
    const gaveUp = await tree.recorder.waitFor({ type: 'gave-up', path: w.path });

    expect(gaveUp).toMatchObject({ reason: 'policy', restarts: 1 });
    expect(tree.recorder.of({ type: 'failed' }).map((e) => [e.attempt, e.error.message, e.phase])).toEqual([
      [0, 'first', 'run'],
      [1, 'second', 'run'],
    ]);
    expect(tree.node(w.path)).toMatchObject({ state: 'failed', restarts: 1, lastError: { message: 'second' } });
    await tree.close();
    expect(w.runs).toEqual([0, 1]);
  });

  it("'never' does not restart a failed worker", async () => {
    const w = controlled('Temporary', 'never');
    const tree = await bootInProcess(cleanup, [w.type]);

    w.control.fail(w.path, 'only run failed');
    const gaveUp = await tree.recorder.waitFor({ type: 'gave-up', path: w.path });

    expect(gaveUp).toMatchObject({ reason: 'policy', restarts: 0 });
    expect(tree.recorder.trace({ where: (e) => e.path === w.path })).toEqual([
      `starting ${w.path}`,
      `started ${w.path}`,
      `failed ${w.path}`,
      `gave-up ${w.path}`,
    ]);
    const node = tree.node(w.path);
    expect(node).toMatchObject({ state: 'failed', restarts: 0, lastError: { name: 'Error', message: 'only run failed' } });
    expect(node.uptimeMs).toBeUndefined();
    await tree.close();
    expect(w.runs).toEqual([0]);
  });

  it("'never' does not restart a worker whose run() returned either", async () => {
    const w = controlled('OneShot', 'never');
    const tree = await bootInProcess(cleanup, [w.type]);

    w.control.finish(w.path);
    await tree.recorder.waitFor({ type: 'gave-up', path: w.path });

    expect(tree.node(w.path).state).toBe('exited');
    await tree.close();
    expect(w.runs).toEqual([0]);
  });
});

describe('backoff', () => {
  /** A worker failing in its first `failures` runs, then running until stopped. */
  function failing(name: string, failures: number, backoff: { minDelayMs: number; multiplier?: number; maxDelayMs?: number; resetAfterMs?: number }) {
    const control = new RunControl();
    return defineWorker(
      name,
      {
        run: (ctx) => {
          if (ctx.attempt < failures) throw new Error(`failure ${ctx.attempt}`);
          return control.hold(ctx);
        },
      },
      { backoff },
    );
  }

  const delays = (tree: Compiled) => tree.recorder.of({ type: 'restart-scheduled' }).map((e) => [e.attempt, e.delayMs]);

  it('grows the delay of each consecutive restart by the multiplier, up to maxDelayMs', async () => {
    const type = failing('Flaky', 5, { minDelayMs: 2, multiplier: 3, maxDelayMs: 50 });
    const tree = await bootInProcess(cleanup, [type]);
    await tree.recorder.waitFor({ where: (e) => e.type === 'restarted' && e.attempt === 5 });

    expect(delays(tree)).toEqual([
      [1, 2],
      [2, 6],
      [3, 18],
      [4, 50],
      [5, 50],
    ]);
    expect(tree.node('root/Flaky')).toMatchObject({ state: 'running', restarts: 5 });
  });

  it('starts again from minDelayMs after a run that lasted resetAfterMs', async () => {
    // resetAfterMs 0: every run counts as long enough, so no delay ever grows.
    const type = failing('Resets', 3, { minDelayMs: 3, multiplier: 10, resetAfterMs: 0 });
    const tree = await bootInProcess(cleanup, [type]);
    await tree.recorder.waitFor({ where: (e) => e.type === 'restarted' && e.attempt === 3 });

    expect(delays(tree)).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
  });

  it('reports in each restarted event how long the worker was down, at least its delay', async () => {
    const type = failing('Slow', 1, { minDelayMs: 25 });
    const tree = await bootInProcess(cleanup, [type]);
    const restarted = await tree.recorder.waitFor({ type: 'restarted', path: 'root/Slow' });

    expect(restarted?.type === 'restarted' && restarted.downtimeMs).toBeGreaterThanOrEqual(24);
  });
});
