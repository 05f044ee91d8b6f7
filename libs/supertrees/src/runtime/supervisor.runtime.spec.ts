import { DEFAULTS } from '../shared/supervision.defaults.js';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { LoggerService } from '@nestjs/common';
import { SupervisorGaveUpError, SupervisorNotBootstrappedError } from '../errors/supervision-runtime.error.js';
import type { EventSink } from '../events/event.sink.js';
import { EventStamper } from '../events/event.stamper.js';
import { SnapshotStore, type NodeState } from '../events/snapshot.js';
import type { EventInput, StopReason } from '../events/supervision.events.js';
import type { RestartPolicy, SupervisionStrategy } from '../interfaces/options.interface.js';
import type { ResolvedBackoff } from '../shared/supervision.defaults.js';
import { MESSAGES } from '../shared/supervision.messages.js';
import type { SupervisorNode, TreeNode, WorkerNode } from '../tree/tree.types.js';
import { supervisorNode, workerNode } from '../../../../test/helpers/tree-nodes.js';
import type { ChildExit, StartInfo, SupervisedChild } from './supervised-child.js';
import { SupervisorRuntime, type RuntimeHost } from './supervisor.runtime.js';
import { RestartScheduler, systemClock } from './timers.js';

/** Lets the setImmediate callbacks queued so far run. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * How one start of a fake child goes: `ok` runs; `reject` fails to start; `not-bootstrapped` fails
 * as a supervisor process whose script skipped bootstrapSupervised(); `hang-*` neither
 * resolves nor rejects until the child is stopped, then resolves or rejects.
 */
type StartPlan = 'ok' | 'reject' | 'not-bootstrapped' | 'hang-then-resolve' | 'hang-then-reject';

/**
 * A child that only records what its supervisor does to it, in a journal shared with its
 * siblings: `start A#n` when a start begins, `up A#n` when it resolved, `stop A (reason)` when a
 * stop begins, `down A` when it resolved. Starts and stops take one turn of the event loop, so a
 * supervisor that did not wait for one before the next would interleave them in the journal.
 */
class FakeChild implements SupervisedChild {
  /** The outcome of each coming start, in order; `ok` once they run out. */
  readonly plans: StartPlan[] = [];
  private onExit?: (exit: ChildExit) => void;
  /** The onExit of the latest run, kept after a stop to play a late report. */
  lastOnExit?: (exit: ChildExit) => void;
  private settleHungStart?: () => void;

  constructor(
    readonly name: string,
    private readonly journal: string[],
    private readonly processPid?: number,
  ) {}

  async start(attempt: number, onExit: (exit: ChildExit) => void): Promise<StartInfo | void> {
    this.journal.push(`start ${this.name}#${attempt}`);
    const plan = this.plans.shift() ?? 'ok';
    if (plan === 'hang-then-resolve' || plan === 'hang-then-reject') {
      try {
        await new Promise<void>((resolve, reject) => {
          this.settleHungStart = plan === 'hang-then-resolve' ? resolve : () => reject(new Error('start interrupted'));
        });
      } finally {
        this.journal.push(`settled ${this.name}`);
      }
      return undefined;
    }
    await turn();
    if (plan === 'reject' || plan === 'not-bootstrapped') {
      this.journal.push(`refused ${this.name}#${attempt}`);
      throw plan === 'reject' ? new Error(`${this.name} could not start`) : new SupervisorNotBootstrappedError(path(this.name), 'main.js', { code: 72 });
    }
    this.onExit = onExit;
    this.lastOnExit = onExit;
    this.journal.push(`up ${this.name}#${attempt}`);
    return this.processPid === undefined ? undefined : { processPid: this.processPid };
  }

  async stop(reason: StopReason): Promise<boolean> {
    this.journal.push(`stop ${this.name} (${reason})`);
    this.onExit = undefined;
    this.settleHungStart?.();
    this.settleHungStart = undefined;
    await turn();
    this.journal.push(`down ${this.name}`);
    return false;
  }

  /** The child's run ends by itself. */
  exit(exit: ChildExit): void {
    const onExit = this.onExit;
    if (!onExit) throw new Error(`${this.name} is not running`);
    this.onExit = undefined;
    onExit(exit);
  }

  fail(message = 'boom'): void {
    this.exit({ kind: 'failed', error: new Error(message), phase: 'run' });
  }

  returns(): void {
    this.exit({ kind: 'normal' });
  }
}

type Predicate = (event: EventInput) => boolean;

class FakeHost implements RuntimeHost {
  readonly journal: string[] = [];
  readonly events: EventInput[] = [];
  readonly logged: { message: unknown; stack: unknown }[] = [];
  readonly logger: LoggerService = {
    log: () => undefined,
    warn: () => undefined,
    error: (message: unknown, stack?: unknown) => {
      this.logged.push({ message, stack });
    },
  };
  readonly sink: EventSink = {
    emit: (event) => this.emit(event),
    forward: () => undefined,
    forwardSnapshot: () => undefined,
  };
  readonly clock = systemClock;
  readonly restarts = new RestartScheduler();
  /** What the supervisor does when it gives up; a test may replace it. */
  onGiveUp: (error: SupervisorGaveUpError) => void = () => undefined;
  private readonly children = new Map<string, FakeChild>();
  private waiters: { predicate: Predicate; resolve: (event: EventInput) => void }[] = [];
  private readonly stamper = new EventStamper(1);
  private store?: SnapshotStore;

  constructor(private readonly pids: Record<string, number> = {}) {}

  /** Folds the events of the supervisor of `node` into a snapshot, as the main process does. */
  watch(node: SupervisorNode): void {
    this.store = new SnapshotStore(node);
  }

  /** The state and restart count of each child, in order, as the snapshot shows them. */
  states(): { path: string; status: NodeState; restarts: number }[] {
    return (this.store!.snapshot().children ?? []).map((c) => ({ path: c.path, status: c.state, restarts: c.restarts }));
  }

  private emit(event: EventInput): void {
    this.events.push(event);
    // A copy: the events kept above are asserted as the runtime raised them, unstamped.
    this.store?.apply(this.stamper.stamp({ ...event }));
    this.waiters = this.waiters.filter((w) => {
      if (!w.predicate(event)) return true;
      w.resolve(event);
      return false;
    });
  }

  createChild(node: TreeNode): SupervisedChild {
    const child = new FakeChild(node.name, this.journal, this.pids[node.name]);
    this.children.set(node.name, child);
    return child;
  }

  child(name: string): FakeChild {
    const child = this.children.get(name);
    if (!child) throw new Error(`no child ${name}`);
    return child;
  }

  /** The first event, already emitted or to come, that matches. */
  waitFor(predicate: Predicate): Promise<EventInput> {
    const seen = this.events.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ predicate, resolve }));
  }

  /** Events as `type name` (and the reason of stops), for order assertions. */
  trace(from = 0): string[] {
    return this.events.slice(from).map((e) => {
      const name = e.path.split('/').pop();
      return e.type === 'stopping' || e.type === 'stopped' ? `${e.type} ${name} (${e.reason})` : `${e.type} ${name}`;
    });
  }
}

const is =
  (type: EventInput['type'], name: string, attempt?: number): Predicate =>
  (e) =>
    e.type === type && e.path === path(name) && (attempt === undefined || ('attempt' in e && e.attempt === attempt));

const path = (name: string): string => (name === 'root' ? 'root' : `root/${name}`);

/** Restarts on the next turn of the event loop: fast, and no timer to wait out. */
const NO_DELAY: ResolvedBackoff = { minDelayMs: 0, maxDelayMs: 0, resetAfterMs: 60_000, multiplier: 1, jitter: 0 };

const worker = (name: string, restart: RestartPolicy = 'always', backoff: ResolvedBackoff = NO_DELAY): WorkerNode =>
  workerNode(path(name), { restart, backoff, shutdownTimeoutMs: 1_000 });

/** The root over `children`, with the given policy. */
const supervisor = (
  children: TreeNode[],
  policy: { strategy?: SupervisionStrategy; maxRestarts?: number; withinMs?: number } = {},
): SupervisorNode => supervisorNode('root', children, { restart: 'never', backoff: NO_DELAY, shutdownTimeoutMs: 30_000, ...policy });

const runtimes: SupervisorRuntime[] = [];

function run(node: SupervisorNode, host = new FakeHost()): { host: FakeHost; runtime: SupervisorRuntime } {
  host.watch(node);
  const runtime = new SupervisorRuntime(node, host, (error) => host.onGiveUp(error));
  runtimes.push(runtime);
  return { host, runtime };
}

/** Started with children named after the given policies: A, B, C… */
async function started(
  policies: RestartPolicy[],
  policy: { strategy?: SupervisionStrategy; maxRestarts?: number; withinMs?: number } = {},
): Promise<{ host: FakeHost; runtime: SupervisorRuntime }> {
  const names = policies.map((_, i) => String.fromCharCode(65 + i));
  const setup = run(supervisor(names.map((n, i) => worker(n, policies[i])), policy));
  await setup.runtime.start();
  return setup;
}

afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.stop()));
  jest.useRealTimers();
});

describe('SupervisorRuntime', () => {
  describe('start', () => {
    it('starts each child only after the previous one is running, in declared order', async () => {
      const { host } = await started(['always', 'always', 'always']);
      expect(host.journal).toEqual(['start A#0', 'up A#0', 'start B#0', 'up B#0', 'start C#0', 'up C#0']);
    });

    it('emits starting then started for each child, with attempt 0', async () => {
      const { host } = await started(['always', 'always']);
      expect(host.trace()).toEqual(['starting A', 'started A', 'starting B', 'started B']);
      expect(host.events.every((e) => 'attempt' in e && e.attempt === 0)).toBe(true);
    });

    it('reports the process a child started in', async () => {
      const { host, runtime } = run(supervisor([worker('A')]), new FakeHost({ A: 9_999 }));
      await runtime.start();
      expect(await host.waitFor(is('started', 'A'))).toMatchObject({ processPid: 9_999 });
    });

    it('shows every child running once start() resolved', async () => {
      const { host } = await started(['always', 'never']);
      expect(host.states()).toEqual([
        { path: 'root/A', status: 'running', restarts: 0 },
        { path: 'root/B', status: 'running', restarts: 0 },
      ]);
    });
  });

  describe('stop', () => {
    it('stops children in reverse order, each after the previous one stopped', async () => {
      const { host, runtime } = await started(['always', 'always', 'always']);
      const mark = host.journal.length;
      await runtime.stop();
      expect(host.journal.slice(mark)).toEqual([
        'stop C (shutdown)',
        'down C',
        'stop B (shutdown)',
        'down B',
        'stop A (shutdown)',
        'down A',
      ]);
    });

    it('emits stopping and stopped with the reason for each child', async () => {
      const { host, runtime } = await started(['always', 'always']);
      const mark = host.events.length;
      await runtime.stop();
      expect(host.trace(mark)).toEqual(['stopping B (shutdown)', 'stopped B (shutdown)', 'stopping A (shutdown)', 'stopped A (shutdown)']);
    });

    it('stops each child once however often stop() is called', async () => {
      const { host, runtime } = await started(['always']);
      await Promise.all([runtime.stop(), runtime.stop()]);
      await runtime.stop();
      expect(host.journal.filter((j) => j.startsWith('stop '))).toEqual(['stop A (shutdown)']);
    });

    it('passes its reason on to its children', async () => {
      const { host, runtime } = await started(['always']);
      await runtime.stop('orphaned');
      expect(host.journal).toContain('stop A (orphaned)');
    });

    it('ignores an exit reported by a run it already stopped', async () => {
      const { host, runtime } = await started(['always']);
      await runtime.stop();
      const mark = host.events.length;
      host.child('A').lastOnExit!({ kind: 'failed', error: new Error('late'), phase: 'run' });
      await turn();
      expect(host.trace(mark)).toEqual([]);
    });
    it('ignores an exit reported late by an earlier run of a child that has restarted since', async () => {
      const { host } = await started(['always', 'always'], { strategy: 'one-for-all' });
      const stale = host.child('A').lastOnExit!;
      host.child('B').fail();
      await host.waitFor(is('restarted', 'B'));
      const mark = host.events.length;
      stale({ kind: 'failed', error: new Error('from the previous run'), phase: 'run' });
      await turn();
      expect(host.trace(mark)).toEqual([]);
      expect(host.states().map((c) => c.status)).toEqual(['running', 'running']);
    });
  });

  describe('one-for-one', () => {
    it('restarts only the child that failed', async () => {
      const { host } = await started(['always', 'always', 'always']);
      const mark = host.journal.length;
      host.child('B').fail();
      await host.waitFor(is('restarted', 'B'));
      expect(host.journal.slice(mark)).toEqual(['start B#1', 'up B#1']);
    });

    it('reports the failure, the scheduled restart and the restart', async () => {
      const { host } = await started(['always', 'always']);
      const mark = host.events.length;
      host.child('A').fail('disk full');
      await host.waitFor(is('restarted', 'A'));
      expect(host.trace(mark)).toEqual(['failed A', 'restart-scheduled A', 'starting A', 'started A', 'restarted A']);
      expect(host.events.slice(mark)).toEqual([
        expect.objectContaining({ type: 'failed', attempt: 0, phase: 'run', error: expect.objectContaining({ message: 'disk full' }) }),
        expect.objectContaining({ type: 'restart-scheduled', attempt: 1, delayMs: 0, cause: 'root/A' }),
        expect.objectContaining({ type: 'starting', attempt: 1 }),
        expect.objectContaining({ type: 'started', attempt: 1 }),
        expect.objectContaining({ type: 'restarted', attempt: 1, downtimeMs: expect.any(Number) }),
      ]);
    });

    it('counts the restarts of each child', async () => {
      const { host } = await started(['always', 'always']);
      host.child('B').fail();
      await host.waitFor(is('restarted', 'B', 1));
      host.child('B').fail();
      await host.waitFor(is('restarted', 'B', 2));
      expect(host.states().map((c) => c.restarts)).toEqual([0, 2]);
    });

    it('delays consecutive restarts by the child’s backoff', async () => {
      const backoff: ResolvedBackoff = { minDelayMs: 1, maxDelayMs: 100, resetAfterMs: 60_000, multiplier: 2, jitter: 0 };
      const { host, runtime } = run(supervisor([worker('A', 'always', backoff)]));
      await runtime.start();
      for (const attempt of [1, 2, 3]) {
        host.child('A').fail();
        await host.waitFor(is('restarted', 'A', attempt));
      }
      const delays = host.events.flatMap((e) => (e.type === 'restart-scheduled' ? [e.delayMs] : []));
      expect(delays).toEqual([1, 2, 4]);
    });

    it('logs a child’s failure with its stack', async () => {
      const { host } = await started(['always']);
      host.child('A').fail('disk full');
      await host.waitFor(is('restarted', 'A'));
      expect(host.logged[0]).toEqual({ message: 'root/A failed: disk full', stack: expect.stringContaining('Error: disk full') });
    });

    it('logs the stack through the failed event, which then keeps no hold on the error', async () => {
      const { host } = await started(['always']);
      const error = new Error('disk full');
      host.child('A').exit({ kind: 'failed', error, phase: 'run' });
      await host.waitFor(is('restarted', 'A'));
      const logged = host.logged[0]!.stack;
      expect(logged).toBe(error.stack);
      // Read by the log line through the event: the event's stack is fixed then, whatever the error does later.
      error.stack = 'rewritten after the failure';
      const failed = host.events.find((e) => e.type === 'failed');
      expect(failed?.type === 'failed' && failed.error.stack).toBe(logged);
    });
  });

  describe('one-for-all', () => {
    it('stops the other children in reverse order, then restarts all in order', async () => {
      const { host } = await started(['always', 'always', 'always'], { strategy: 'one-for-all' });
      const mark = host.journal.length;
      host.child('B').fail();
      await host.waitFor(is('restarted', 'C'));
      expect(host.journal.slice(mark)).toEqual([
        'stop C (strategy)',
        'down C',
        'stop A (strategy)',
        'down A',
        'start A#1',
        'up A#1',
        'start B#1',
        'up B#1',
        'start C#1',
        'up C#1',
      ]);
    });

    it('schedules a restart for every child, caused by the one that failed', async () => {
      const { host } = await started(['always', 'always', 'always'], { strategy: 'one-for-all' });
      host.child('B').fail();
      await host.waitFor(is('restarted', 'C'));
      const scheduled = host.events.flatMap((e) => (e.type === 'restart-scheduled' ? [[e.path, e.cause, e.attempt]] : []));
      expect(scheduled.sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([
        ['root/A', 'root/B', 1],
        ['root/B', 'root/B', 1],
        ['root/C', 'root/B', 1],
      ]);
    });

    it('does not bring back a never child stopped by a sibling’s restart', async () => {
      const { host } = await started(['never', 'always', 'always'], { strategy: 'one-for-all' });
      const mark = host.journal.length;
      host.child('B').fail();
      await host.waitFor(is('restarted', 'C'));
      expect(host.journal.slice(mark)).toEqual(['stop C (strategy)', 'down C', 'stop A (strategy)', 'down A', 'start B#1', 'up B#1', 'start C#1', 'up C#1']);
      expect(host.states()[0]).toEqual({ path: 'root/A', status: 'stopped', restarts: 0 });
    });

    it('does not bring back a once child that already used its restart', async () => {
      const { host } = await started(['once', 'always'], { strategy: 'one-for-all' });
      host.child('B').fail();
      await host.waitFor(is('restarted', 'B', 1));
      const mark = host.journal.length;
      host.child('B').fail();
      await host.waitFor(is('restarted', 'B', 2));
      expect(host.journal.slice(mark)).toEqual(['stop A (strategy)', 'down A', 'start B#2', 'up B#2']);
      expect(host.states()[0]!.status).toBe('stopped');
    });

    it('counts a group restart once against the restart intensity', async () => {
      const { host } = await started(['always', 'always', 'always'], { strategy: 'one-for-all', maxRestarts: 1, withinMs: 60_000 });
      host.child('A').fail();
      await host.waitFor(is('restarted', 'C'));
      expect(host.events.some((e) => e.type === 'gave-up')).toBe(false);
    });
  });

  describe('rest-for-one', () => {
    it('stops the children started after the failed one in reverse, then restarts them in order', async () => {
      const { host } = await started(['always', 'always', 'always', 'always'], { strategy: 'rest-for-one' });
      const mark = host.journal.length;
      host.child('B').fail();
      await host.waitFor(is('restarted', 'D'));
      expect(host.journal.slice(mark)).toEqual([
        'stop D (strategy)',
        'down D',
        'stop C (strategy)',
        'down C',
        'start B#1',
        'up B#1',
        'start C#1',
        'up C#1',
        'start D#1',
        'up D#1',
      ]);
    });

    it('leaves the children started before the failed one running', async () => {
      const { host } = await started(['always', 'always', 'always'], { strategy: 'rest-for-one' });
      host.child('B').fail();
      await host.waitFor(is('restarted', 'C'));
      expect(host.states()[0]).toEqual({ path: 'root/A', status: 'running', restarts: 0 });
    });
  });

  describe('restart policies', () => {
    it('always: restarts a child whose run returned normally', async () => {
      const { host } = await started(['always']);
      host.child('A').returns();
      expect(await host.waitFor(is('restarted', 'A'))).toMatchObject({ attempt: 1 });
    });

    it('on-failure: does not restart a child whose run returned normally', async () => {
      const { host } = await started(['on-failure']);
      const mark = host.events.length;
      host.child('A').returns();
      await host.waitFor(is('gave-up', 'A'));
      expect(host.trace(mark)).toEqual(['exited A', 'gave-up A']);
      expect(host.events.at(-1)).toMatchObject({ reason: 'policy', restarts: 0 });
      expect(host.states()[0]!.status).toBe('exited');
    });

    it('on-failure: restarts a child that failed', async () => {
      const { host } = await started(['on-failure']);
      host.child('A').fail();
      expect(await host.waitFor(is('restarted', 'A'))).toMatchObject({ attempt: 1 });
    });

    it('once: restarts a child once, then gives up on it', async () => {
      const { host } = await started(['once']);
      const mark = host.journal.length;
      host.child('A').fail();
      await host.waitFor(is('restarted', 'A', 1));
      host.child('A').fail();
      expect(await host.waitFor(is('gave-up', 'A'))).toMatchObject({ reason: 'policy', restarts: 1 });
      expect(host.journal.slice(mark)).toEqual(['start A#1', 'up A#1']);
    });

    it('never: does not restart a failed child, and leaves its siblings running', async () => {
      const { host } = await started(['never', 'always']);
      const mark = host.journal.length;
      host.child('A').fail();
      expect(await host.waitFor(is('gave-up', 'A'))).toMatchObject({ reason: 'policy', restarts: 0 });
      expect(host.journal.slice(mark)).toEqual([]);
      expect(host.states().map((c) => c.status)).toEqual(['failed', 'running']);
    });
  });

  describe('restart intensity', () => {
    /** A, B, C under one-for-one with at most 1 restart a minute; A fails twice. */
    async function exceeded() {
      const setup = await started(['always', 'always', 'always'], { maxRestarts: 1, withinMs: 60_000 });
      let calls = 0;
      const gaveUp = new Promise<{ error: SupervisorGaveUpError; journal: string[] }>((resolve) => {
        setup.host.onGiveUp = (error) => {
          calls += 1;
          resolve({ error, journal: [...setup.host.journal] });
        };
      });
      setup.host.child('A').fail();
      await setup.host.waitFor(is('restarted', 'A'));
      const journalMark = setup.host.journal.length;
      const eventMark = setup.host.events.length;
      setup.host.child('A').fail();
      const outcome = await gaveUp;
      await turn();
      return { ...setup, ...outcome, journalMark, eventMark, calls: () => calls };
    }

    it('gives up on the restart that is one too many, with a gave-up intensity event of its own', async () => {
      const { host, eventMark } = await exceeded();
      expect(host.events.slice(eventMark).find((e) => e.type === 'gave-up')).toMatchObject({
        type: 'gave-up',
        path: 'root',
        kind: 'supervisor',
        reason: 'intensity',
        restarts: 1,
      });
    });

    it('stops its children in reverse order with reason supervisor-gave-up', async () => {
      const { host, journalMark } = await exceeded();
      expect(host.journal.slice(journalMark)).toEqual(['stop C (supervisor-gave-up)', 'down C', 'stop B (supervisor-gave-up)', 'down B']);
    });

    it('does not restart the child that failed once it gave up', async () => {
      const { host, eventMark } = await exceeded();
      expect(host.trace(eventMark)).toEqual([
        'failed A',
        'gave-up root',
        'stopping C (supervisor-gave-up)',
        'stopped C (supervisor-gave-up)',
        'stopping B (supervisor-gave-up)',
        'stopped B (supervisor-gave-up)',
      ]);
    });

    it('calls onGiveUp once, with a SupervisorGaveUpError naming itself and its limits', async () => {
      const { error, calls } = await exceeded();
      expect(error).toBeInstanceOf(SupervisorGaveUpError);
      expect(error.message).toBe(MESSAGES.gaveUp('root', 1, 60_000));
      expect([error.path, error.maxRestarts, error.withinMs, error.lastChild]).toEqual(['root', 1, 60_000, 'root/A']);
      expect(error.cause).toEqual(new Error('boom'));
      expect(calls()).toBe(1);
    });

    it('calls onGiveUp only after its children stopped', async () => {
      const { journal } = await exceeded();
      expect(journal.slice(-2)).toEqual(['stop B (supervisor-gave-up)', 'down B']);
    });

    it('logs that it gave up', async () => {
      const { host } = await exceeded();
      expect(host.logged.map((l) => l.message)).toContain(MESSAGES.gaveUp('root', 1, 60_000));
    });

    it('gives up at the first restart when maxRestarts is 0', async () => {
      const { host } = await started(['always', 'always'], { maxRestarts: 0, withinMs: 1_000 });
      const gaveUp = new Promise<SupervisorGaveUpError>((resolve) => (host.onGiveUp = resolve));
      const mark = host.journal.length;
      host.child('A').fail();
      expect((await gaveUp).maxRestarts).toBe(0);
      expect(host.journal.slice(mark)).toEqual(['stop B (supervisor-gave-up)', 'down B']);
    });
  });

  describe('a child that fails to start', () => {
    it('is reported failed in init, and restarted by its policy', async () => {
      const { host, runtime } = run(supervisor([worker('A')]));
      host.child('A').plans.push('reject');
      await runtime.start();
      await host.waitFor(is('restarted', 'A'));
      expect(host.trace()).toEqual(['starting A', 'failed A', 'restart-scheduled A', 'starting A', 'started A', 'restarted A']);
      expect(host.events[1]).toMatchObject({ type: 'failed', phase: 'init', ranForMs: 0, error: { message: 'A could not start' } });
    });

    it('does not hold up its later siblings: they start before its restart', async () => {
      const { host, runtime } = run(supervisor([worker('A'), worker('B'), worker('C')]));
      host.child('A').plans.push('reject');
      await runtime.start();
      await host.waitFor(is('restarted', 'A'));
      expect(host.journal).toEqual(['start A#0', 'refused A#0', 'start B#0', 'up B#0', 'start C#0', 'up C#0', 'start A#1', 'up A#1']);
    });

    it('with policy never, is given up on while its siblings start', async () => {
      const { host, runtime } = run(supervisor([worker('A', 'never'), worker('B')]));
      host.child('A').plans.push('reject');
      await runtime.start();
      expect(await host.waitFor(is('gave-up', 'A'))).toMatchObject({ reason: 'policy' });
      expect(host.states().map((c) => c.status)).toEqual(['failed', 'running']);
    });

    it('as a supervisor process whose script skipped bootstrapSupervised, is given up on at once: no restart, no intensity spent', async () => {
      // maxRestarts 1: had A's failure counted, B's would be one too many.
      const { host, runtime } = run(supervisor([worker('A'), worker('B')], { maxRestarts: 1, withinMs: 60_000 }));
      host.child('A').plans.push('not-bootstrapped', 'not-bootstrapped');
      await runtime.start();
      expect(await host.waitFor(is('gave-up', 'A'))).toMatchObject({ reason: 'config', restarts: 0 });
      expect(host.journal).toEqual(['start A#0', 'refused A#0', 'start B#0', 'up B#0']);
      expect(host.trace()).toEqual(['starting A', 'failed A', 'gave-up A', 'starting B', 'started B']);
      expect(host.events[1]).toMatchObject({ type: 'failed', error: { name: 'SupervisorNotBootstrappedError', message: MESSAGES.unsupervisedBoot('root/A', 'main.js') } });
      expect(host.states().map((c) => c.status)).toEqual(['failed', 'running']);
      host.child('B').fail();
      await host.waitFor(is('restarted', 'B'));
      expect(host.events.some(is('gave-up', 'root'))).toBe(false);
      expect(host.journal).not.toContain('start A#1');
    });

    it('as a supervisor process whose script skipped bootstrapSupervised, under one-for-all, leaves its siblings to start', async () => {
      const { host, runtime } = run(supervisor([worker('A'), worker('B'), worker('C')], { strategy: 'one-for-all' }));
      host.child('B').plans.push('not-bootstrapped');
      await runtime.start();
      expect(host.journal).toEqual(['start A#0', 'up A#0', 'start B#0', 'refused B#0', 'start C#0', 'up C#0']);
      expect(host.states().map((c) => c.status)).toEqual(['running', 'failed', 'running']);
    });

    it('under one-for-all, stops the siblings already running and starts the rest only with the group', async () => {
      const { host, runtime } = run(supervisor([worker('A'), worker('B'), worker('C')], { strategy: 'one-for-all' }));
      host.child('B').plans.push('reject');
      await runtime.start();
      await host.waitFor(is('started', 'C'));
      expect(host.journal.map((j) => j.replace(/#\d$/, ''))).toEqual([
        'start A',
        'up A',
        'start B',
        'refused B',
        'stop A (strategy)',
        'down A',
        'start A',
        'up A',
        'start B',
        'up B',
        'start C',
        'up C',
      ]);
    });

    // Library bug: a sibling that never started (generation 0) joins the group restart and
    // restart() bumps its `restarts` like everyone else's, so its very first start is attempt 1
    // and emits a `restarted` event whose downtimeMs is measured from endedAt = 0.
    it('under one-for-all, starts a sibling that never ran with attempt 0 and no restarted event', async () => {
      const { host, runtime } = run(supervisor([worker('A'), worker('B'), worker('C')], { strategy: 'one-for-all' }));
      host.child('B').plans.push('reject');
      await runtime.start();
      await host.waitFor(is('started', 'C'));
      expect(host.journal).toContain('start C#0');
      expect(host.events.some(is('restarted', 'C'))).toBe(false);
    });
  });

  describe('stopping while work is pending', () => {
    it('cancels the timer of a pending restart: nothing starts after stop()', async () => {
      jest.useFakeTimers({ doNotFake: ['setImmediate', 'clearImmediate', 'nextTick', 'queueMicrotask'] });
      const slow: ResolvedBackoff = { ...NO_DELAY, minDelayMs: 5_000, maxDelayMs: 5_000 };
      const { host, runtime } = run(supervisor([worker('A', 'always', slow)]));
      await runtime.start();
      host.child('A').fail();
      await host.waitFor(is('restart-scheduled', 'A'));
      expect(jest.getTimerCount()).toBe(1);
      await runtime.stop();
      expect(jest.getTimerCount()).toBe(0);
      await jest.advanceTimersByTimeAsync(10_000);
      expect(host.journal.filter((j) => j.startsWith('start '))).toEqual(['start A#0']);
    });

    it('reports a child stopped while it waited for its restart', async () => {
      jest.useFakeTimers({ doNotFake: ['setImmediate', 'clearImmediate', 'nextTick', 'queueMicrotask'] });
      const slow: ResolvedBackoff = { ...NO_DELAY, minDelayMs: 5_000, maxDelayMs: 5_000 };
      const { host, runtime } = run(supervisor([worker('A', 'always', slow)]));
      await runtime.start();
      host.child('A').fail();
      await host.waitFor(is('restart-scheduled', 'A'));
      const mark = host.events.length;
      await runtime.stop();
      expect(host.trace(mark)).toEqual(['stopped A (shutdown)']);
      expect(host.states()[0]!.status).toBe('stopped');
    });

    it.each(['hang-then-resolve', 'hang-then-reject'] as const)(
      'makes a start in flight settle (%s) and starts nothing after it',
      async (plan) => {
        const { host, runtime } = run(supervisor([worker('A'), worker('B')]));
        host.child('A').plans.push(plan);
        const starting = runtime.start();
        await turn();
        expect(host.journal).toEqual(['start A#0']);
        await Promise.all([runtime.stop(), starting]);
        expect(host.journal).toEqual(['start A#0', 'stop A (shutdown)', 'settled A', 'down A']);
      },
      5_000,
    );

    it.each(['hang-then-resolve', 'hang-then-reject'] as const)(
      'reports a start cut short by stop() as stopped, neither started nor failed (%s)',
      async (plan) => {
        const { host, runtime } = run(supervisor([worker('A')]));
        host.child('A').plans.push(plan);
        const starting = runtime.start();
        await turn();
        await Promise.all([runtime.stop(), starting]);
        expect(host.trace()).toEqual(['starting A', 'stopping A (shutdown)', 'stopped A (shutdown)']);
      },
      5_000,
    );

    it('makes a restart in flight settle and schedules nothing after it', async () => {
      const { host, runtime } = await started(['always']);
      host.child('A').plans.push('hang-then-reject');
      host.child('A').fail();
      await host.waitFor(is('starting', 'A', 1));
      const mark = host.events.length;
      await runtime.stop();
      await turn();
      expect(host.trace(mark)).toEqual(['stopping A (shutdown)', 'stopped A (shutdown)']);
    }, 5_000);
  });
});
