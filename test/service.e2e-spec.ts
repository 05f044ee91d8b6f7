// SupervisionService: events$, ofType, eventsOf, snapshot() and snapshot$, in real application contexts.
import { afterEach, describe, expect, it } from '@jest/globals';
import { config, map, type Subscription } from 'rxjs';
import { MESSAGES, ofType, type NodeSnapshot, type SupervisionEvent } from '../libs/supertrees/src/index.js';
import { findNode } from '#supertrees/testing';
import {
  bootInProcess,
  Cleanup,
  compileTree,
  Deferred,
  defineSupervisor,
  defineWorker,
  RunControl,
  supervision,
} from './helpers/in-process.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** Root children `Sup` (one-for-all, over `W`) and `SupExtra` (over `V`), all running until told otherwise. */
async function bootFamily() {
  const control = new RunControl();
  const w = defineWorker('W', { run: (ctx) => control.hold(ctx) }, { backoff: { minDelayMs: 1 } });
  const v = defineWorker('V', { run: (ctx) => control.hold(ctx) }, { backoff: { minDelayMs: 1 } });
  const sup = defineSupervisor('Sup', { children: [w], strategy: 'one-for-all' });
  const extra = defineSupervisor('SupExtra', { children: [v] });
  const before = Date.now();
  const tree = await bootInProcess(cleanup, [w, v, sup, extra]);
  return { tree, control, w, sup, before };
}

function collect<T>(subscription: (push: (value: T) => void) => Subscription): T[] {
  const values: T[] = [];
  const subscribed = subscription((value) => values.push(value));
  cleanup.add(() => subscribed.unsubscribe());
  return values;
}

describe('events', () => {
  it('ofType keeps only the given types, narrowed', async () => {
    const { tree, control } = await bootFamily();
    const messages = collect<string>((push) =>
      tree.service.events$.pipe(ofType('failed'), map((e) => `${e.path}: ${e.error.message} in ${e.phase}`)).subscribe(push),
    );
    const kept = collect<SupervisionEvent>((push) => tree.service.events$.pipe(ofType('failed', 'restarted')).subscribe(push));

    control.fail('root/Sup/W', 'boom');
    await tree.recorder.waitFor({ type: 'restarted', path: 'root/Sup/W' });

    expect(messages).toEqual(['root/Sup/W: boom in run']);
    expect(kept.map((e) => `${e.type} ${e.path}`)).toEqual(['failed root/Sup/W', 'restarted root/Sup/W']);
    expect(kept).toEqual(tree.recorder.events.filter((e) => e.type === 'failed' || e.type === 'restarted'));
  });

  it('eventsOf(Class) follows one node; eventsOf(path, { subtree: true }) a supervisor and its descendants', async () => {
    const { tree, control, w, sup } = await bootFamily();
    const ofWorker = collect<SupervisionEvent>((push) => tree.service.eventsOf(w).subscribe(push));
    const ofSupOnly = collect<SupervisionEvent>((push) => tree.service.eventsOf(sup).subscribe(push));
    const ofSubtree = collect<SupervisionEvent>((push) => tree.service.eventsOf('root/Sup', { subtree: true }).subscribe(push));

    control.fail('root/SupExtra/V');
    await tree.recorder.waitFor({ type: 'restarted', path: 'root/SupExtra/V' });
    control.fail('root/Sup/W');
    await tree.recorder.waitFor({ type: 'restarted', path: 'root/Sup/W' });
    await tree.close();

    const trace = (events: SupervisionEvent[]) => events.map((e) => `${e.type} ${e.path}`);
    expect(trace(ofWorker)).toEqual([
      'failed root/Sup/W',
      'restart-scheduled root/Sup/W',
      'starting root/Sup/W',
      'started root/Sup/W',
      'restarted root/Sup/W',
      'stopping root/Sup/W',
      'stopped root/Sup/W',
    ]);
    expect(trace(ofSupOnly)).toEqual(['stopping root/Sup', 'stopped root/Sup']);
    expect(trace(ofSubtree)).toEqual(['failed root/Sup/W', ...trace(ofWorker).slice(1, 5), 'stopping root/Sup', ...trace(ofWorker).slice(5), 'stopped root/Sup']);
    expect(tree.service.pathOf(w)).toBe('root/Sup/W');
  });

  it('eventsOf a class outside the tree throws, naming the class', async () => {
    const { tree } = await bootFamily();
    class Stranger {}
    expect(() => tree.service.eventsOf(Stranger)).toThrow('Stranger is not a node of the supervision tree');
  });

  it('a subscriber that throws does not stop the tree, nor other subscribers, from getting later events', async () => {
    const previous = config.onUnhandledError;
    const reported: unknown[] = [];
    const firstReport = new Deferred();
    config.onUnhandledError = (error) => {
      reported.push(error);
      firstReport.resolve();
    };
    cleanup.add(() => {
      config.onUnhandledError = previous;
    });
    const { tree, control } = await bootFamily();
    let thrown = 0;
    const faulty = tree.service.events$.subscribe(() => {
      thrown += 1;
      throw new Error('bug in a subscriber');
    });
    const later = collect<SupervisionEvent>((push) => tree.service.events$.subscribe(push));

    control.fail('root/Sup/W');
    await tree.recorder.waitFor({ type: 'restarted', path: 'root/Sup/W' });
    await firstReport.promise;
    faulty.unsubscribe();
    // RxJS reports each error from a timer of its own; these were all set before this one.
    await new Promise((resolve) => setTimeout(resolve, 0));

    expect(later.map((e) => `${e.type} ${e.path}`)).toEqual([
      'failed root/Sup/W',
      'restart-scheduled root/Sup/W',
      'starting root/Sup/W',
      'started root/Sup/W',
      'restarted root/Sup/W',
    ]);
    expect(thrown).toBe(5);
    expect(reported).toHaveLength(thrown);
    expect(reported[0]).toMatchObject({ message: 'bug in a subscriber' });
    expect(findNode(tree.service.snapshot(), 'root/Sup/W')).toMatchObject({ state: 'running', restarts: 1 });
  });
});

describe('snapshot()', () => {
  it('describes every node: state, restarts, last error, start time, uptime, pid, and supervisors their policy', async () => {
    const { tree, control, before } = await bootFamily();
    const afterBoot = Date.now();
    const first = tree.service.snapshot();
    const now = Date.now();

    expect(first).toMatchObject({ name: 'root', path: 'root', kind: 'supervisor', state: 'running', restarts: 0, pid: process.pid, isolation: 'none', strategy: 'one-for-one' });
    expect(first.children?.map((c) => c.path)).toEqual(['root/Sup', 'root/SupExtra']);
    expect(findNode(first, 'root/Sup')).toMatchObject({ kind: 'supervisor', state: 'running', isolation: 'none', strategy: 'one-for-all', pid: process.pid });
    const worker = findNode(first, 'root/Sup/W');
    expect(worker).toMatchObject({ name: 'W', kind: 'worker', state: 'running', restarts: 0, pid: process.pid });
    expect(Object.keys(worker).sort()).toEqual(['kind', 'name', 'path', 'pid', 'restarts', 'startedAt', 'state', 'uptimeMs']);
    expect(worker.startedAt).toBeGreaterThanOrEqual(before);
    expect(worker.startedAt).toBeLessThanOrEqual(afterBoot);
    expect(worker.uptimeMs).toBeGreaterThanOrEqual(0);
    expect(worker.uptimeMs).toBeLessThanOrEqual(now - worker.startedAt!);

    control.fail('root/Sup/W', 'lost the connection');
    await tree.recorder.waitFor({ type: 'restarted', path: 'root/Sup/W' });
    const restarted = findNode(tree.service.snapshot(), 'root/Sup/W');
    expect(restarted).toMatchObject({ state: 'running', restarts: 1, lastError: { name: 'Error', message: 'lost the connection' } });
    expect(restarted.lastError?.stack).toContain('lost the connection');
    expect(restarted.startedAt).toBeGreaterThanOrEqual(worker.startedAt!);
  });

  it('throws before the application is initialized', async () => {
    const tree = cleanup.track(await compileTree({ imports: [supervision()], providers: [] }));
    expect(() => tree.service.snapshot()).toThrow(MESSAGES.notStarted());
  });
});

describe('snapshot$', () => {
  it('emits the snapshot now, again after changes, and completes when the application closes', async () => {
    const { tree, control } = await bootFamily();
    const seen: NodeSnapshot[] = [];
    const restartedSeen = new Deferred();
    const completed = new Deferred();
    const subscription = tree.service.snapshot$.subscribe({
      next: (snapshot) => {
        seen.push(snapshot);
        if (findNode(snapshot, 'root/Sup/W').restarts === 1 && findNode(snapshot, 'root/Sup/W').state === 'running') restartedSeen.resolve();
      },
      complete: () => completed.resolve(),
    });
    cleanup.add(() => subscription.unsubscribe());
    expect(seen).toHaveLength(1);

    control.fail('root/Sup/W');
    await restartedSeen.promise;
    const states = seen.map((s) => findNode(s, 'root/Sup/W').state).filter((state, i, all) => state !== all[i - 1]);
    expect(states[0]).toBe('running');
    expect(states).toContain('backoff');
    expect(states.at(-1)).toBe('running');

    await tree.close();
    await completed.promise;
    expect(findNode(seen.at(-1)!, 'root/Sup/W').state).toBe('stopped');
    expect(subscription.closed).toBe(true);
  });
});
