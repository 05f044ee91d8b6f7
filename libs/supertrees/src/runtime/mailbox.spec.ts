import { afterEach, describe, expect, it } from '@jest/globals';
import { CallRejectedError, CallTimeoutError, MailboxFullError, WorkerStoppedError } from '../errors/call.errors.js';
import type { SupervisedWorker, WorkerContext } from '../interfaces/worker.interface.js';
import { CallDeadlines } from './call.deadlines.js';
import { Mailbox } from './mailbox.js';
import { systemClock } from './timers.js';

const OPTIONS = { capacity: 100, concurrency: 1, maxMessageBytes: 1_024 };
const ctx = {} as WorkerContext;
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A running mailbox whose worker's handle() is `handle`. */
function running(handle: SupervisedWorker['handle'], options = OPTIONS): { mailbox: Mailbox; deadlines: CallDeadlines } {
  const deadlines = new CallDeadlines(systemClock);
  const mailbox = new Mailbox('root/W', options, deadlines, undefined);
  mailbox.open({ run: () => undefined, handle }, ctx);
  opened.push(deadlines);
  return { mailbox, deadlines };
}
const opened: CallDeadlines[] = [];

describe('Mailbox: the fast path (an idle running worker, nothing queued)', () => {
  afterEach(() => {
    for (const deadlines of opened.splice(0)) deadlines.dispose();
  });

  it('answers at once, and a call answered within its turn leaves no deadline behind', async () => {
    const { mailbox, deadlines } = running(async (message) => ({ echo: message }));
    await expect(mailbox.call({ n: 1 }, 1_000)).resolves.toEqual({ echo: { n: 1 } });
    await turn();
    expect(deadlines.size).toBe(0);
  });

  it('still times out a handle() that never settles, and not before its timeoutMs', async () => {
    const { mailbox } = running(() => new Promise(() => undefined));
    const t0 = performance.now();
    const error = await mailbox.call({ n: 1 }, 50).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallTimeoutError);
    expect((error as CallTimeoutError).state).toBe('handling');
    // Never early: the deadline is stamped at the end of the call's turn, so at least timeoutMs later.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(49);
    // The timed-out handle() keeps its place: the next call waits behind it, and times out queued.
    await expect(mailbox.call({ n: 2 }, 30)).rejects.toMatchObject({ name: 'CallTimeoutError', state: 'queued' });
  });

  it('rejects with WorkerStoppedError a call racing a stop, and never settles it twice', async () => {
    let answer: (value: unknown) => void = () => undefined;
    const { mailbox } = running(() => new Promise((resolve) => (answer = resolve)));
    const settled: string[] = [];
    const call = mailbox.call({ n: 1 }, 1_000).then(
      () => settled.push('resolved'),
      (error: unknown) => settled.push((error as Error).name),
    );
    const queued = mailbox.call({ n: 2 }, 1_000).catch((error: unknown) => error);
    mailbox.stopping(false);
    await expect(queued).resolves.toBeInstanceOf(WorkerStoppedError);
    mailbox.stopped();
    answer({ late: true });
    await call;
    await turn();
    expect(settled).toEqual(['WorkerStoppedError']);
    await expect(mailbox.call({ n: 3 }, 1_000)).rejects.toBeInstanceOf(WorkerStoppedError);
  });

  it('rejects with CallRejectedError when handle() throws on the fast path, and the next call is answered', async () => {
    let calls = 0;
    const { mailbox } = running(async () => {
      calls += 1;
      if (calls === 1) throw new Error('boom');
      return 'ok';
    });
    await expect(mailbox.call({}, 1_000)).rejects.toBeInstanceOf(CallRejectedError);
    await expect(mailbox.call({}, 1_000)).resolves.toBe('ok');
  });

  it('holds a bounded number of deadlines through a loop of calls that never yields to the event loop', async () => {
    const { mailbox, deadlines } = running(async (message) => message);
    let most = 0;
    for (let i = 0; i < 10_000; i++) {
      await mailbox.call({ i }, 1_000);
      most = Math.max(most, deadlines.size);
    }
    // A call settled within its turn is never held by the deadlines (they collect the mailbox's pending calls at the turn's end).
    expect(most).toBeLessThan(3_000);
  });

  it('gives a deadline to calls posted in later turns behind calls already stamped, queued or handling', async () => {
    const never = () => new Promise(() => undefined);
    const state = (call: Promise<unknown>) => call.then(() => 'resolved', (error: unknown) => (error instanceof CallTimeoutError ? error.state : error));
    // One at a time: the later calls wait in the queue behind a stamped one.
    const serial = running(never).mailbox;
    const first = state(serial.call({}, 30));
    await turn();
    const second = state(serial.call({}, 30));
    await turn();
    const third = state(serial.call({}, 30));
    expect(await Promise.all([first, second, third])).toEqual(['handling', 'queued', 'queued']);
    // Two at a time: the later call is handled at once, behind a stamped one being handled.
    const concurrent = running(never, { ...OPTIONS, concurrency: 2 }).mailbox;
    const early = state(concurrent.call({}, 30));
    await turn();
    const late = state(concurrent.call({}, 30));
    expect(await Promise.all([early, late])).toEqual(['handling', 'handling']);
  });

  it('still refuses at once past its capacity, counting calls on the fast path', async () => {
    const { mailbox } = running(() => new Promise(() => undefined), { ...OPTIONS, capacity: 2 });
    const first = mailbox.call({}, 40).catch((error: unknown) => error);
    const second = mailbox.call({}, 40).catch((error: unknown) => error);
    await expect(mailbox.call({}, 40)).rejects.toBeInstanceOf(MailboxFullError);
    expect(await first).toBeInstanceOf(CallTimeoutError);
    expect(await second).toBeInstanceOf(CallTimeoutError);
  });
});
