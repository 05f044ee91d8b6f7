// One-for-one, one-for-all and rest-for-one with real workers: who is stopped, who comes back, in what order.
import { afterEach, describe, expect, it } from '@jest/globals';
import type { RestartPolicy, SupervisionStrategy, WorkerContext } from '../libs/supertrees/src/index.js';
import { findNode } from '#supertrees/testing';
import {
  bootInProcess,
  Cleanup,
  defineSupervisor,
  defineWorker,
  RunControl,
  type Compiled,
} from './helpers/in-process.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

interface Family {
  tree: Compiled;
  control: RunControl;
  /** Every init and run, as `init A#attempt`, `run A#attempt`, and `abort A#attempt (reason)` when its signal aborted. */
  log: string[];
}

/**
 * Boots `Sup` (in this process, with `strategy`) over workers named by `children`, each with its
 * restart policy. Every worker runs until the test ends its run or it is stopped.
 */
async function family(strategy: SupervisionStrategy, children: Record<string, RestartPolicy>, failInit: string[] = []): Promise<Family> {
  const control = new RunControl();
  const log: string[] = [];
  const types = Object.entries(children).map(([name, restart]) =>
    defineWorker(
      name,
      {
        init: (ctx) => {
          log.push(`init ${name}#${ctx.attempt}`);
          if (ctx.attempt === 0 && failInit.includes(name)) throw new Error(`init of ${name} failed`);
        },
        run: (ctx: WorkerContext) => {
          log.push(`run ${name}#${ctx.attempt}`);
          ctx.signal.addEventListener('abort', () => log.push(`abort ${name}#${ctx.attempt} (${String((ctx.signal.reason as Error).message)})`));
          return control.hold(ctx);
        },
      },
      { restart, backoff: { minDelayMs: 1 } },
    ),
  );
  const sup = defineSupervisor('Sup', { strategy, children: types });
  const tree = await bootInProcess(cleanup, [...types, sup]);
  return { tree, control, log };
}

/** The trace of the workers under Sup from the first event matching `from`. */
function traceFrom(tree: Compiled, from: string): string[] {
  const trace = tree.recorder.trace({ where: (e) => e.path.startsWith('root/Sup/') });
  const at = trace.indexOf(from);
  expect(at).toBeGreaterThanOrEqual(0);
  return trace.slice(at);
}

describe('one-for-one', () => {
  it('restarts only the child that failed', async () => {
    const { tree, control, log } = await family('one-for-one', { A: 'always', B: 'always', C: 'always' });
    control.fail('root/Sup/B');
    await tree.recorder.waitFor({ type: 'restarted', path: 'root/Sup/B' });

    expect(traceFrom(tree, 'failed root/Sup/B')).toEqual([
      'failed root/Sup/B',
      'restart-scheduled root/Sup/B',
      'starting root/Sup/B',
      'started root/Sup/B',
      'restarted root/Sup/B',
    ]);
    expect(log.filter((l) => l.startsWith('run'))).toEqual(['run A#0', 'run B#0', 'run C#0', 'run B#1']);
    // Only the failed run's own signal is aborted (it ended); its siblings are left alone.
    expect(log.filter((l) => l.startsWith('abort'))).toEqual(['abort B#0 (the run ended)']);
  });
});

describe('one-for-all', () => {
  it('stops the others in reverse order, then starts all of them again in order', async () => {
    const { tree, control, log } = await family('one-for-all', { A: 'always', B: 'always', C: 'always' });
    control.fail('root/Sup/B');
    await tree.recorder.waitFor({ type: 'restarted', path: 'root/Sup/C' });

    expect(traceFrom(tree, 'failed root/Sup/B')).toEqual([
      'failed root/Sup/B',
      'stopping root/Sup/C',
      'stopped root/Sup/C',
      'stopping root/Sup/A',
      'stopped root/Sup/A',
      'restart-scheduled root/Sup/B',
      'restart-scheduled root/Sup/A',
      'restart-scheduled root/Sup/C',
      'starting root/Sup/A',
      'started root/Sup/A',
      'restarted root/Sup/A',
      'starting root/Sup/B',
      'started root/Sup/B',
      'restarted root/Sup/B',
      'starting root/Sup/C',
      'started root/Sup/C',
      'restarted root/Sup/C',
    ]);
    const stopped = tree.recorder.of({ type: 'stopped' }).filter((e) => e.path.startsWith('root/Sup/'));
    expect(stopped.map((e) => [e.reason, e.timedOut])).toEqual([
      ['strategy', false],
      ['strategy', false],
    ]);
    const scheduled = tree.recorder.of({ type: 'restart-scheduled' });
    expect(new Set(scheduled.map((e) => `${e.cause} ${e.attempt} ${e.delayMs}`))).toEqual(new Set(['root/Sup/B 1 1']));
    expect(log.filter((l) => !l.startsWith('init'))).toEqual([
      'run A#0',
      'run B#0',
      'run C#0',
      'abort B#0 (the run ended)',
      'abort C#0 (stop requested (strategy))',
      'abort A#0 (stop requested (strategy))',
      'run A#1',
      'run B#1',
      'run C#1',
    ]);
  });

  it("does not bring back a 'never' child, nor a 'once' child that used its restart", async () => {
    const { tree, control } = await family('one-for-all', { A: 'never', B: 'always', C: 'once' });
    control.fail('root/Sup/B', 'first');
    await tree.recorder.waitFor({ type: 'restarted', path: 'root/Sup/C' });

    expect(tree.recorder.of({ type: 'restart-scheduled' }).map((e) => e.path)).toEqual(['root/Sup/B', 'root/Sup/C']);
    expect(findNode(tree.service.snapshot(), 'root/Sup/A').state).toBe('stopped');

    control.fail('root/Sup/B', 'second');
    await tree.recorder.waitForCount({ type: 'restarted', path: 'root/Sup/B' }, 2);

    expect(traceFrom(tree, 'failed root/Sup/B').slice(-7)).toEqual([
      'failed root/Sup/B',
      'stopping root/Sup/C',
      'stopped root/Sup/C',
      'restart-scheduled root/Sup/B',
      'starting root/Sup/B',
      'started root/Sup/B',
      'restarted root/Sup/B',
    ]);
    expect(tree.recorder.of({ type: 'starting', path: 'root/Sup/A' })).toHaveLength(1);
    expect(tree.recorder.of({ type: 'starting', path: 'root/Sup/C' })).toHaveLength(2);
    const snapshot = tree.service.snapshot();
    expect(['A', 'B', 'C'].map((n) => [n, findNode(snapshot, `root/Sup/${n}`).state])).toEqual([
      ['A', 'stopped'],
      ['B', 'running'],
      ['C', 'stopped'],
    ]);
  });

  it('restarts a nested supervisor with its whole subtree, children stopped in reverse and started in order', async () => {
    const control = new RunControl();
    const x = defineWorker('X', { run: (ctx) => control.hold(ctx) });
    const y = defineWorker('Y', { run: (ctx) => control.hold(ctx) });
    const inner = defineSupervisor('Inner', { children: [x, y] });
    const w = defineWorker('W', { run: (ctx) => control.hold(ctx) }, { backoff: { minDelayMs: 1 } });
    const sup = defineSupervisor('Sup', { strategy: 'one-for-all', children: [inner, w] });
    const tree = await bootInProcess(cleanup, [x, y, inner, w, sup]);

    control.fail('root/Sup/W');
    await tree.recorder.waitFor({ type: 'restarted', path: 'root/Sup/W' });

    expect(traceFrom(tree, 'failed root/Sup/W')).toEqual([
      'failed root/Sup/W',
      'stopping root/Sup/Inner',
      'stopping root/Sup/Inner/Y',
      'stopped root/Sup/Inner/Y',
      'stopping root/Sup/Inner/X',
      'stopped root/Sup/Inner/X',
      'stopped root/Sup/Inner',
      'restart-scheduled root/Sup/W',
      'restart-scheduled root/Sup/Inner',
      'starting root/Sup/Inner',
      'starting root/Sup/Inner/X',
      'started root/Sup/Inner/X',
      'starting root/Sup/Inner/Y',
      'started root/Sup/Inner/Y',
      'started root/Sup/Inner',
      'restarted root/Sup/Inner',
      'starting root/Sup/W',
      'started root/Sup/W',
      'restarted root/Sup/W',
    ]);
  });

  // A child whose init() fails at the very first start holds back the siblings after it; they then
  // start for the first time with the restart. That first start should be attempt 0 and no
  // 'restarted' event (there was no earlier run), and the snapshot should count no restart.
  it('starts a sibling held back by a failed first start with attempt 0, not as a restart', async () => {
    const { tree, log } = await family('one-for-all', { A: 'always', B: 'always', C: 'always' }, ['B']);
    await tree.recorder.waitFor({ type: 'started', path: 'root/Sup/C' });

    expect(log).toContain('init C#0');
    expect(tree.recorder.of({ type: 'restarted', path: 'root/Sup/C' })).toHaveLength(0);
    expect(findNode(tree.service.snapshot(), 'root/Sup/C').restarts).toBe(0);
  });
});

describe('rest-for-one', () => {
  it('restarts the failed child and those started after it, not those before', async () => {
    const { tree, control, log } = await family('rest-for-one', { A: 'always', B: 'always', C: 'always' });
    control.fail('root/Sup/B');
    await tree.recorder.waitFor({ type: 'restarted', path: 'root/Sup/C' });

    expect(traceFrom(tree, 'failed root/Sup/B')).toEqual([
      'failed root/Sup/B',
      'stopping root/Sup/C',
      'stopped root/Sup/C',
      'restart-scheduled root/Sup/B',
      'restart-scheduled root/Sup/C',
      'starting root/Sup/B',
      'started root/Sup/B',
      'restarted root/Sup/B',
      'starting root/Sup/C',
      'started root/Sup/C',
      'restarted root/Sup/C',
    ]);
    expect(log.filter((l) => l.includes('A#'))).toEqual(['init A#0', 'run A#0']);
  });

  it('restarts only the last child when the last one fails', async () => {
    const { tree, control } = await family('rest-for-one', { A: 'always', B: 'always', C: 'always' });
    control.fail('root/Sup/C');
    await tree.recorder.waitFor({ type: 'restarted', path: 'root/Sup/C' });

    expect(traceFrom(tree, 'failed root/Sup/C')).toEqual([
      'failed root/Sup/C',
      'restart-scheduled root/Sup/C',
      'starting root/Sup/C',
      'started root/Sup/C',
      'restarted root/Sup/C',
    ]);
  });
});
