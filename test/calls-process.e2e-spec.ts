// Calls and casts to workers in supervisor processes (real child processes): replies, and each typed error
// as the caller in the main process sees it.
import { afterEach, beforeAll, afterAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  CallRejectedError,
  CallTimeoutError,
  InvalidMessageError,
  MailboxFullError,
  MESSAGES,
  NotCallableError,
  SupervisionService,
  UnknownNodeError,
  WorkerCrashedError,
  WorkerRestartingError,
  WorkerStoppedError,
} from '../libs/supertrees/src/index.js';
import { ClerkPool, SCENARIOS, TenantClerk } from './fixtures/scenarios.js';
import { EventRecorder } from '#supertrees/testing';
import { descendantsOf, eventually, isAlive } from './helpers/processes.js';

const CLERK = 'root/CallsSupervisor/Clerk';
const SLEEPER = 'root/CallsSupervisor/Sleeper';
const MAYFLY = 'root/CallsSupervisor/Mayfly';
const DEEP = 'root/CallsLevel1/CallsLevel2/DeepClerk';

let app: INestApplicationContext | undefined;
let service: SupervisionService;
let recorder: EventRecorder;

/** `calls`: one supervisor process; `callsDeep`: that and one three processes down; `callsAll`: under a one-for-all root. */
async function boot(scenario: 'calls' | 'callsDeep' | 'callsAll' = 'calls'): Promise<void> {
  const moduleRef = await Test.createTestingModule({ imports: [SCENARIOS[scenario]!] }).compile();
  moduleRef.useLogger(false);
  app = moduleRef;
  service = moduleRef.get(SupervisionService);
  recorder = new EventRecorder(service.events$);
  await moduleRef.init();
}

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection, got a reply');
}

interface Reply {
  reply: unknown;
  pid: number;
  attempt: number;
  path: string;
}

afterEach(async () => {
  await app?.close();
  recorder?.stop();
  app = undefined;
  await eventually(() => descendantsOf(process.pid).filter(isAlive).length === 0, 'no child process of the test runner left');
});

describe('calls to workers in supervisor processes', () => {
  it('resolves with the reply handle() gave in its own process, one and two processes down', async () => {
    await boot('callsDeep');

    const clerk = await service.call<Reply>(CLERK, { reply: { n: 1 } });
    expect(clerk).toMatchObject({ reply: { n: 1 }, attempt: 0, path: CLERK });
    expect(clerk.pid).not.toBe(process.pid);
    expect(clerk.pid).toBe(service.snapshot().children!.find((c) => c.path === 'root/CallsSupervisor')!.pid);

    const deep = await service.call<Reply>(DEEP, { reply: 'deep' });
    expect(deep).toMatchObject({ reply: 'deep', path: DEEP });
    expect([process.pid, clerk.pid]).not.toContain(deep.pid);
  });

  it('rejects an unknown path, a supervisor and a worker without handle() before sending anything', async () => {
    await boot('callsDeep');

    await expect(service.call('root/CallsSupervisor/Nobody', {})).rejects.toBeInstanceOf(UnknownNodeError);
    await expect(service.call('root/CallsLevel1/CallsLevel2', {})).rejects.toBeInstanceOf(NotCallableError);
    const plain = await rejectionOf(service.call('root/CallsSupervisor/Ticker', {}));
    expect(plain).toMatchObject({ name: 'NotCallableError', why: 'no-handle' });
  });

  it('rejects a message that is not data with InvalidMessageError naming the field, and a reply that is not data', async () => {
    await boot();

    const sent = await rejectionOf(service.call(CLERK, { job: { at: new Date(0) } }));
    expect(sent).toBeInstanceOf(InvalidMessageError);
    expect(sent).toMatchObject({ field: 'message.job.at' });
    const replied = await rejectionOf(service.call(CLERK, { notData: true }));
    expect(replied).toBeInstanceOf(InvalidMessageError);
    expect(replied).toMatchObject({ field: 'reply.at', path: CLERK });
  });

  it('carries a throw of handle() back as CallRejectedError with its message; the worker keeps running', async () => {
    await boot();

    const error = await rejectionOf(service.call(CLERK, { fail: 'no such invoice' }));
    expect(error).toBeInstanceOf(CallRejectedError);
    expect(error.message).toBe(MESSAGES.callRejected(CLERK, 'no such invoice'));
    expect((error.cause as Error).message).toBe('no such invoice');
    await expect(service.call<Reply>(CLERK, { reply: 2 })).resolves.toMatchObject({ reply: 2, attempt: 0 });
  });

  it('rejects with MailboxFullError at once and CallTimeoutError past the timeout, from the worker\'s process', async () => {
    await boot();

    const slow = [1, 2, 3].map((i) => rejectionOf(service.call(CLERK, { waitMs: 1_500, reply: i }, { timeoutMs: 400 })));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const full = await rejectionOf(service.call(CLERK, { reply: 4 }));
    expect(full).toBeInstanceOf(MailboxFullError);
    expect(full).toMatchObject({ capacity: 3, path: CLERK });

    const [handling, queued] = await Promise.all(slow);
    expect(handling).toBeInstanceOf(CallTimeoutError);
    expect(handling).toMatchObject({ state: 'handling', timeoutMs: expect.any(Number) });
    expect(queued).toMatchObject({ name: 'CallTimeoutError', state: 'queued' });
  });

  it('rejects with WorkerCrashedError when the worker fails while handling, and answers after its restart', async () => {
    await boot();

    const crashed = await rejectionOf(service.call(CLERK, { failRun: 'ledger corrupt', waitMs: 200 }));
    expect(crashed).toBeInstanceOf(WorkerCrashedError);
    expect(crashed).toMatchObject({ ended: 'failed', path: CLERK });
    expect((crashed.cause as Error).message).toBe('ledger corrupt');

    await recorder.waitFor({ type: 'restarted', path: CLERK });
    await expect(service.call<Reply>(CLERK, { reply: 'again' })).resolves.toMatchObject({ reply: 'again', attempt: 1 });
  });

  it('rejects with WorkerCrashedError when the worker\'s process dies with the call; a later call waits for the new process', async () => {
    await boot();
    const before = await service.call<Reply>(CLERK, {});

    const died = await rejectionOf(service.call(CLERK, { exit: true, waitMs: 1_000 }));
    expect(died).toBeInstanceOf(WorkerCrashedError);
    expect((died as WorkerCrashedError).path).toBe(CLERK);

    const after = await service.call<Reply>(CLERK, { reply: 'new process' }, { timeoutMs: 20_000 });
    expect(after.reply).toBe('new process');
    expect(after.pid).not.toBe(before.pid);
  });

  it('handles a call at most once when its process is stopped by the strategy while handle() runs (no retry in the new process)', async () => {
    await boot('callsAll');
    const dir = mkdtempSync(join(tmpdir(), 'supertrees-once-'));
    try {
      const mark = join(dir, 'handled');
      const bystander = await recorder.waitFor({ type: 'started', path: 'root/Bystander' });
      const call = service.call<Reply>(CLERK, { reply: 'once', waitMs: 1_500, mark }, { timeoutMs: 20_000 }).then(
        (reply) => ({ reply }),
        (error: unknown) => ({ error }),
      );
      await eventually(() => existsSync(mark), 'handle() began');
      // Bystander's death restarts CallsSupervisor too (one-for-all): its process is stopped with the call in handle().
      process.kill(bystander.type === 'started' ? bystander.processPid! : 0, 'SIGKILL');
      const outcome = await call;
      await recorder.waitFor({ type: 'restarted', path: 'root/CallsSupervisor' });
      // Never a second handle(): the reply of that one, or the typed error of a call its process
      // stopped under (WorkerStoppedError from the process, WorkerCrashedError if it ended first).
      expect(readFileSync(mark, 'utf8').trim().split('\n')).toHaveLength(1);
      if ('error' in outcome) expect([WorkerStoppedError, WorkerCrashedError].some((type) => outcome.error instanceof type)).toBe(true);
      else expect(outcome.reply.reply).toBe('once');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects with WorkerRestartingError when the worker is not back within the timeout', async () => {
    await boot();

    await service.call(SLEEPER, { failRun: 'down for a minute' }).catch(() => undefined);
    await recorder.waitFor({ type: 'restart-scheduled', path: SLEEPER });
    const error = await rejectionOf(service.call(SLEEPER, {}, { timeoutMs: 200 }));

    expect(error).toBeInstanceOf(WorkerRestartingError);
    expect(error).toMatchObject({ state: 'restarting', path: SLEEPER, timeoutMs: 200 });
  });

  it('rejects with WorkerStoppedError: a worker its policy will not restart, and any worker once the tree stopped', async () => {
    await boot();

    await service.call(MAYFLY, { finishRun: true, waitMs: 100 }).catch(() => undefined);
    await recorder.waitFor({ type: 'gave-up', path: MAYFLY });
    const error = await rejectionOf(service.call(MAYFLY, {}));
    expect(error).toBeInstanceOf(WorkerStoppedError);
    expect(error.message).toBe(MESSAGES.workerStopped(MAYFLY));

    await service.stop();
    await expect(rejectionOf(service.call(CLERK, {}))).resolves.toBeInstanceOf(WorkerStoppedError);
  });

  it('routes a call to a pool in its process by key (the same member each time), and calls a dynamic child there', async () => {
    await boot();

    const first = await service.call<Reply>('root/CallsSupervisor/ClerkPool', { reply: 1 }, { key: 'foobar' });
    expect(first.path).toBe(`root/CallsSupervisor/ClerkPool#${0xbf9cf968 % 3}`);
    const again = await service.call<Reply>(ClerkPool, { reply: 2 }, { key: 'foobar' });
    expect(again.path).toBe(first.path);

    const { path } = await service.startChild('root/CallsSupervisor/CallTenants', TenantClerk, { id: 'acme' });
    await expect(service.call<Reply>(path, { reply: 'tenant' })).resolves.toMatchObject({ reply: 'tenant', path, pid: first.pid });
    await expect(rejectionOf(service.call('root/CallsSupervisor/CallTenants/TenantClerk:nobody', {}))).resolves.toBeInstanceOf(UnknownNodeError);
    await service.terminateChild(path);
    await expect(rejectionOf(service.call(path, {}))).resolves.toBeInstanceOf(WorkerStoppedError);
  });

  it('delivers a cast in the worker\'s process and resolves once its mailbox took it', async () => {
    await boot('callsDeep');

    await expect(service.cast(CLERK, { reply: 'cast' })).resolves.toBeUndefined();
    await expect(service.cast(DEEP, { reply: 'cast' })).resolves.toBeUndefined();
    await expect(service.cast(CLERK, { f: () => 1 })).rejects.toBeInstanceOf(InvalidMessageError);
  });
});
