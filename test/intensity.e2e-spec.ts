// Restart intensity (OTP's MaxR/MaxT): a supervisor that restarts too often gives up, stops its
// children in reverse, and escalates to its parent; at the root, the tree fails.
import { afterEach, describe, expect, it } from '@jest/globals';
import { MESSAGES, SupervisorGaveUpError, type RestartPolicy } from '../libs/supertrees/src/index.js';
import { findNode } from '#supertrees/testing';
import { bootInProcess, Cleanup, defineSupervisor, defineWorker, RunControl, type Compiled } from './helpers/in-process.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const WINDOW_MS = 60_000;

/** A worker that runs until stopped, and one whose run() always fails at once. */
function workers(control: RunControl) {
  const steady = (name: string) => defineWorker(name, { run: (ctx) => control.hold(ctx) });
  const crashing = defineWorker(
    'Crash',
    {
      run: (ctx) => {
        throw new Error(`crash #${ctx.attempt}`);
      },
    },
    { backoff: { minDelayMs: 1 } },
  );
  return { steady, crashing };
}

/** The trace from the n-th (1-based) event matching `first` on. */
function traceFromNth(tree: Compiled, first: string, n: number): string[] {
  const trace = tree.recorder.trace();
  let at = -1;
  for (let i = 0; i < n; i += 1) at = trace.indexOf(first, at + 1);
  expect(at).toBeGreaterThanOrEqual(0);
  return trace.slice(at);
}

describe('restart intensity of a nested in-process supervisor', () => {
  async function nested(restart: RestartPolicy) {
    const control = new RunControl();
    const { steady, crashing } = workers(control);
    const a = steady('A');
    const c = steady('C');
    const sup = defineSupervisor('Sup', {
      children: [a, crashing, c],
      maxRestarts: 2,
      withinMs: WINDOW_MS,
      restart,
      backoff: { minDelayMs: 1 },
    });
    return bootInProcess(cleanup, [a, crashing, c, sup]);
  }

  it('gives up on one restart too many: stops its children in reverse, escalates, and fails towards its parent', async () => {
    const tree = await nested('never');
    await tree.recorder.waitForCount({ type: 'gave-up', path: 'root/Sup' }, 2);

    // Two restarts within the window are allowed; the third failure is one too many.
    expect(tree.recorder.of({ type: 'restart-scheduled', path: 'root/Sup/Crash' })).toHaveLength(2);
    expect(traceFromNth(tree, 'failed root/Sup/Crash', 3)).toEqual([
      'failed root/Sup/Crash',
      'gave-up root/Sup',
      'stopping root/Sup/C',
      'stopped root/Sup/C',
      'stopping root/Sup/A',
      'stopped root/Sup/A',
      'escalated root/Sup',
      'failed root/Sup',
      'gave-up root/Sup',
    ]);
    const [intensity, policy] = tree.recorder.of({ type: 'gave-up', path: 'root/Sup' });
    expect(intensity).toMatchObject({ reason: 'intensity', restarts: 2, kind: 'supervisor' });
    expect(policy).toMatchObject({ reason: 'policy', restarts: 0 });
    expect(tree.recorder.of({ type: 'stopped', path: 'root/Sup/A' })[0]).toMatchObject({ reason: 'supervisor-gave-up', timedOut: false });

    const message = MESSAGES.gaveUp('root/Sup', 2, WINDOW_MS);
    const [escalated] = tree.recorder.of({ type: 'escalated' });
    expect(escalated?.error).toMatchObject({ name: SupervisorGaveUpError.name, message });
    expect(tree.recorder.of({ type: 'failed', path: 'root/Sup' })[0]).toMatchObject({ phase: 'run', error: { message } });

    const snapshot = tree.service.snapshot();
    expect(findNode(snapshot, 'root/Sup')).toMatchObject({ state: 'failed', lastError: { message } });
    expect(['A', 'Crash', 'C'].map((n) => findNode(snapshot, `root/Sup/${n}`).state)).toEqual(['stopped', 'failed', 'stopped']);
    expect(snapshot.state).toBe('running');
    expect(tree.recorder.of({ type: 'tree-failed' })).toHaveLength(0);
  });

  it('is restarted by its parent per its own policy, with fresh children and a fresh intensity count', async () => {
    const tree = await nested('once');
    await tree.recorder.waitForCount({ type: 'gave-up', path: 'root/Sup' }, 3);

    const restartOfSup = traceFromNth(tree, 'escalated root/Sup', 1).slice(0, 5);
    expect(restartOfSup).toEqual([
      'escalated root/Sup',
      'failed root/Sup',
      'restart-scheduled root/Sup',
      'starting root/Sup',
      'starting root/Sup/A',
    ]);
    // The new incarnation allows its two restarts again before it gives up a second time.
    const crashStarts = tree.recorder.of({ type: 'starting', path: 'root/Sup/Crash' }).map((e) => e.attempt);
    expect(crashStarts).toEqual([0, 1, 2, 0, 1, 2]);
    expect(tree.recorder.trace().slice(-3)).toEqual(['escalated root/Sup', 'failed root/Sup', 'gave-up root/Sup']);
    expect(tree.recorder.of({ type: 'gave-up', path: 'root/Sup' }).map((e) => e.reason)).toEqual(['intensity', 'intensity', 'policy']);
    expect(findNode(tree.service.snapshot(), 'root/Sup')).toMatchObject({ state: 'failed', restarts: 1 });
  });
});

describe('restart intensity of the root', () => {
  it("emits 'tree-failed' after stopping every child in reverse, and keeps the process running", async () => {
    const control = new RunControl();
    const { steady, crashing } = workers(control);
    const a = steady('A');
    const b = steady('B');
    const tree = await bootInProcess(cleanup, [a, b, crashing], { maxRestarts: 1, withinMs: WINDOW_MS });
    const treeFailed = await tree.recorder.waitFor({ type: 'tree-failed', path: 'root' });

    expect(traceFromNth(tree, 'failed root/Crash', 2)).toEqual([
      'failed root/Crash',
      'gave-up root',
      'stopping root/B',
      'stopped root/B',
      'stopping root/A',
      'stopped root/A',
      'tree-failed root',
    ]);
    const message = MESSAGES.gaveUp('root', 1, WINDOW_MS);
    expect(treeFailed).toMatchObject({ kind: 'supervisor', error: { name: SupervisorGaveUpError.name, message } });
    expect(tree.service.snapshot()).toMatchObject({ state: 'failed', lastError: { message } });

    await tree.close();
    expect(tree.recorder.completed).toBe(true);
  });

  it('fails the tree when an escalating supervisor exhausts the root intensity', async () => {
    const control = new RunControl();
    const { crashing } = workers(control);
    const sup = defineSupervisor('Sup', { children: [crashing], maxRestarts: 0, withinMs: WINDOW_MS });
    const tree = await bootInProcess(cleanup, [crashing, sup], { maxRestarts: 0, withinMs: WINDOW_MS });
    await tree.recorder.waitFor({ type: 'tree-failed', path: 'root' });

    const trace = tree.recorder.trace({ where: (e) => e.type !== 'started' });
    expect(trace.slice(trace.indexOf('failed root/Sup/Crash'))).toEqual([
      'failed root/Sup/Crash',
      'gave-up root/Sup',
      'escalated root/Sup',
      'failed root/Sup',
      'gave-up root',
      'tree-failed root',
    ]);
  });
});

describe('event order of a nested supervisor that gives up at once', () => {
  // The Crash child fails as soon as it runs, so Sup's mailbox handles that failure (and gives up)
  // in the same turn as Sup's start completes, before the parent emits 'started root/Sup': the
  // stream then says Sup started after it gave up, and the snapshot shows it 'running' meanwhile.
  it("reports a nested supervisor 'started' before it reports giving up", async () => {
    const { crashing } = workers(new RunControl());
    const sup = defineSupervisor('Sup', { children: [crashing], maxRestarts: 0, withinMs: WINDOW_MS, restart: 'never' });
    const tree = await bootInProcess(cleanup, [crashing, sup]);
    await tree.recorder.waitForCount({ type: 'gave-up', path: 'root/Sup' }, 2);

    const ofSup = tree.recorder.trace({ where: (e) => e.path === 'root/Sup' });
    expect(ofSup).toEqual(['starting root/Sup', 'started root/Sup', 'gave-up root/Sup', 'escalated root/Sup', 'failed root/Sup', 'gave-up root/Sup']);
  });
});
