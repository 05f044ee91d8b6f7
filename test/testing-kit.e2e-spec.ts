// The testing kit (nestjs-supertrees/testing), through its public surface: a tree in the test
// process, waiting for events by type and path, fake timers over a backoff, real supervisor
// processes and the check that none outlives close().
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import {
  Supervisor,
  Worker,
  type SupervisedWorker,
  type WorkerContext,
} from '#supertrees';
import {
  EventTimeoutError,
  ProcessesLeftError,
  SupervisionTestingError,
  TESTING_MESSAGES,
  createSupervisionTestingModule,
  isAlive,
  supervisorProcessesOf,
  findNode,
  waitForEvent,
  waitForEvents,
  type SupervisionTestingModule,
} from '#supertrees/testing';
import {
  CrashOnceInItsProcess,
  KIT_ENTRY,
  KitProcessSupervisor,
} from './fixtures/kit-tree.js';

const untilAborted = (ctx: WorkerContext) =>
  new Promise<void>((resolve) =>
    ctx.signal.addEventListener('abort', () => resolve(), { once: true }),
  );

@Worker()
class Steady implements SupervisedWorker {
  run(ctx: WorkerContext): Promise<void> {
    return untilAborted(ctx);
  }
}

/** Declares process isolation: the kit must still keep it in the test process. */
@Supervisor({ isolation: 'process', children: [Steady] })
class WouldFork {}

/** Fails on every run; a minute of backoff between runs. */
@Worker({ backoff: { minDelayMs: 60_000, maxDelayMs: 60_000, jitter: 0 } })
class SlowRetry implements SupervisedWorker {
  run(): Promise<void> {
    return Promise.reject(new Error('always fails'));
  }
}

let tree: SupervisionTestingModule | undefined;

afterEach(async () => {
  jest.useRealTimers();
  await tree?.close();
  tree = undefined;
});

describe('createSupervisionTestingModule', () => {
  it('runs a supervisor declared with process isolation in the test process', async () => {
    tree = await createSupervisionTestingModule({
      providers: [WouldFork, Steady],
    });
    const started = await tree.waitForEvent({
      type: 'started',
      path: 'root/WouldFork/Steady',
    });
    expect(started.pid).toBe(process.pid);
    expect(tree.node('root/WouldFork')).toMatchObject({
      state: 'running',
      isolation: 'none',
    });
    expect(supervisorProcessesOf()).toEqual([]);
  });

  it('finds events recorded before the wait, from the very start of the tree', async () => {
    tree = await createSupervisionTestingModule({
      providers: [WouldFork, Steady],
    });
    // init() has resolved: the events of the start are history, and still found.
    const starting = await tree.waitForEvent({
      type: 'starting',
      path: 'root/WouldFork',
      subtree: true,
    });
    expect(starting.path).toBe('root/WouldFork');
    expect(tree.recorder.trace({ type: 'started' })).toEqual([
      'started root/WouldFork/Steady',
      'started root/WouldFork',
      'started root',
    ]);
  });

  it('asks for an entry script when the tree is to run in real supervisor processes', async () => {
    await expect(
      createSupervisionTestingModule({
        providers: [WouldFork, Steady],
        isolation: 'as-declared',
      }),
    ).rejects.toThrow(
      new SupervisionTestingError(TESTING_MESSAGES.processesNeedEntry()),
    );
  });
});

describe('waitForEvent', () => {
  it('fails after its timeout with a typed error that lists the events it saw', async () => {
    tree = await createSupervisionTestingModule({
      providers: [WouldFork, Steady],
    });
    const error = await tree
      .waitForEvent(
        { type: 'failed', path: 'root/WouldFork/Steady' },
        { timeoutMs: 50 },
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventTimeoutError);
    expect((error as EventTimeoutError).message).toContain(
      'waited 50 ms in vain for a "failed" event at root/WouldFork/Steady',
    );
    expect((error as EventTimeoutError).message).toContain(
      'started root/WouldFork/Steady',
    );
    expect((error as EventTimeoutError).seen.length).toBe(
      tree.recorder.events.length,
    );
  });

  it('waits on the service for an event still to come', async () => {
    tree = await createSupervisionTestingModule({
      providers: [WouldFork, Steady],
    });
    const stopped = waitForEvent(tree.service, {
      type: ['stopped', 'exited'],
      path: 'root/WouldFork/Steady',
    });
    await tree.service.stop();
    expect((await stopped).type).toBe('stopped');
  });

  it('rejects at once when the stream completes before the event comes', async () => {
    tree = await createSupervisionTestingModule({
      providers: [WouldFork, Steady],
    });
    const failed = tree.waitForEvent({ type: 'failed' }, { timeoutMs: 60_000 });
    await tree.close();
    await expect(failed).rejects.toThrow(
      TESTING_MESSAGES.streamCompleted('a "failed" event'),
    );
  });

  it('waits for a count of events, and matches a subtree with a predicate', async () => {
    tree = await createSupervisionTestingModule({
      providers: [WouldFork, Steady],
    });
    const stopped = waitForEvents(
      tree.service,
      { type: 'stopped', path: 'root/WouldFork', subtree: true },
      2,
    );
    await tree.service.stop();
    expect((await stopped).map((e) => e.path)).toEqual([
      'root/WouldFork/Steady',
      'root/WouldFork',
    ]);
    const supervisors = await tree.recorder.waitForCount(
      { type: 'started', where: (e) => e.kind === 'supervisor' },
      2,
    );
    expect(supervisors.map((e) => e.path)).toEqual(['root/WouldFork', 'root']);
  });
});

describe('a where that throws', () => {
  it('fails its own wait with its error and leaves the stream to the others', async () => {
    tree = await createSupervisionTestingModule({
      providers: [WouldFork, Steady],
    });
    const bad = expect(
      tree.recorder.waitFor({
        type: 'stopped',
        where: () => {
          throw new Error('bad predicate');
        },
      }),
    ).rejects.toThrow('bad predicate');
    const good = tree.recorder.waitFor({ type: 'stopped', path: 'root' });
    await tree.service.stop();
    await bad;
    await expect(good).resolves.toMatchObject({ path: 'root' });
  });
});

describe('findNode', () => {
  it('names the paths there are when the one asked for is not in the snapshot', async () => {
    tree = await createSupervisionTestingModule({
      providers: [WouldFork, Steady],
    });
    expect(() => findNode(tree!.service.snapshot(), 'root/Nope')).toThrow(
      new SupervisionTestingError(
        TESTING_MESSAGES.noNode('root/Nope', [
          'root',
          'root/WouldFork',
          'root/WouldFork/Steady',
        ]),
      ),
    );
  });
});

describe('fake timers', () => {
  it('advances a backoff with Jest fake timers: the restart comes when the clock says, not before', async () => {
    // The runtime waits for turns of the event loop (setImmediate): those stay real.
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'clearImmediate'] });
    tree = await createSupervisionTestingModule({ providers: [SlowRetry] });
    const scheduled = await tree.waitForEvent({
      type: 'restart-scheduled',
      path: 'root/SlowRetry',
    });
    expect(scheduled.delayMs).toBe(60_000);
    await jest.advanceTimersByTimeAsync(59_000);
    expect(
      tree.recorder.of({ type: 'restarted', path: 'root/SlowRetry' }),
    ).toEqual([]);
    await jest.advanceTimersByTimeAsync(1_000);
    await tree.waitForEvent(
      { type: 'restarted', path: 'root/SlowRetry' },
      { timeoutMs: 5_000 },
    );
    expect(tree.node('root/SlowRetry').restarts).toBe(1);
  });
});

/** A process marked as a supervisor process (by its environment) that never ends by itself. */
const spawnMarked = (): ChildProcess =>
  spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
    env: { ...process.env, NESTJS_SUPERTREES_CHILD: '1' },
    stdio: 'ignore',
  });

async function killAndWait(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = once(proc, 'exit');
  proc.kill('SIGKILL');
  await gone;
}

describe('real supervisor processes', () => {
  it('fails close() with the pids of supervisor processes that appeared while it lived and outlive it', async () => {
    // Already there before the module: someone else's, not this module's to answer for.
    const foreign = spawnMarked();
    let stray: ChildProcess | undefined;
    try {
      await once(foreign, 'spawn');
      tree = await createSupervisionTestingModule({
        providers: [KitProcessSupervisor, CrashOnceInItsProcess],
        isolation: 'as-declared',
        entry: KIT_ENTRY,
        processExitTimeoutMs: 500,
      });
      await tree.waitForEvent(
        { type: 'started', path: 'root/KitProcessSupervisor' },
        { timeoutMs: 30_000 },
      );
      // A stand-in for a supervisor process of this tree that would not end: never told to stop.
      stray = spawnMarked();
      await once(stray, 'spawn');
      const error = await tree.close().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProcessesLeftError);
      expect((error as ProcessesLeftError).pids).toEqual([stray.pid]);
    } finally {
      tree = undefined;
      await killAndWait(foreign);
      if (stray) await killAndWait(stray);
    }
  });

  it('runs the tree in a forked process through an entry script, and leaves no process behind after close()', async () => {
    tree = await createSupervisionTestingModule({
      providers: [KitProcessSupervisor, CrashOnceInItsProcess],
      isolation: 'as-declared',
      entry: KIT_ENTRY,
    });
    const restarted = await tree.waitForEvent(
      {
        type: 'restarted',
        path: 'root/KitProcessSupervisor/CrashOnceInItsProcess',
      },
      { timeoutMs: 30_000 },
    );
    const pid = tree.node('root/KitProcessSupervisor').pid!;
    expect(pid).not.toBe(process.pid);
    expect(restarted.pid).toBe(pid);
    expect(supervisorProcessesOf()).toContain(pid);
    await tree.close();
    expect(isAlive(pid)).toBe(false);
    expect(supervisorProcessesOf()).toEqual([]);
  });
});
