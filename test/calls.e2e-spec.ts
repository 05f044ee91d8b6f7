// Calls and casts to workers in this process: replies, order, concurrency, and every typed error.
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  CallRejectedError,
  CallTimeoutError,
  InvalidMessageError,
  InvalidOptionError,
  MailboxFullError,
  MESSAGES,
  NotCallableError,
  UnknownNodeError,
  WorkerCrashedError,
  WorkerRestartingError,
  WorkerStoppedError,
  type WorkerContext,
} from '../libs/supertrees/src/index.js';
import { bootInProcess, Cleanup, Deferred, defineSupervisor, defineWorker, RunControl, settle } from './helpers/in-process.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** Rejection of `promise`, or a failure if it resolved. */
async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection, got a reply');
}

/** A worker `Echo` that runs until told and answers `{ echo, attempt, path }`; handle() waits for a gate when asked. */
async function bootEcho(options: Parameters<typeof defineWorker>[2] = {}, extra: Parameters<typeof bootInProcess>[1] = []) {
  const control = new RunControl();
  const gates: Deferred<unknown>[] = [];
  const seen: unknown[] = [];
  const echo = defineWorker(
    'Echo',
    {
      run: (ctx) => control.hold(ctx),
      handle: async (message, ctx: WorkerContext) => {
        seen.push(message);
        const m = (typeof message === 'object' && message !== null ? message : {}) as { gate?: boolean; fail?: string; reply?: unknown };
        if (m.gate) {
          const gate = new Deferred<unknown>();
          gates.push(gate);
          await gate.promise;
        }
        if (m.fail) throw new Error(m.fail);
        if ('reply' in m) return m.reply;
        return { echo: message, attempt: ctx.attempt, path: ctx.path };
      },
    },
    { backoff: { minDelayMs: 1 }, ...options },
  );
  const tree = await bootInProcess(cleanup, [echo, ...extra]);
  /** Waits until `n` handle() calls are blocked on their gates. */
  const gated = async (n: number) => {
    for (let i = 0; i < 200 && gates.length < n; i += 1) await settle(1);
    expect(gates.length).toBeGreaterThanOrEqual(n);
  };
  return { tree, control, echo, gates, gated, seen, path: 'root/Echo' };
}

describe('call', () => {
  it('resolves with what handle() returned, by class or by path, with the current start as ctx', async () => {
    const { tree, echo, path } = await bootEcho();

    await expect(tree.service.call(echo, { n: 1 })).resolves.toEqual({ echo: { n: 1 }, attempt: 0, path });
    await expect(tree.service.call(path, 'text')).resolves.toEqual({ echo: 'text', attempt: 0, path });
  });

  it('handles calls one at a time, in the order they were made, by default', async () => {
    const { tree, path, gates, gated, seen } = await bootEcho();

    const first = tree.service.call(path, { gate: true, reply: 1 });
    const second = tree.service.call(path, { reply: 2 });
    const third = tree.service.call(path, { reply: 3 });
    await gated(1);
    await settle();
    expect(seen).toEqual([{ gate: true, reply: 1 }]);

    gates[0]!.resolve(undefined);
    await expect(Promise.all([first, second, third])).resolves.toEqual([1, 2, 3]);
    expect(seen.map((m) => (m as { reply: number }).reply)).toEqual([1, 2, 3]);
  });

  it('runs up to mailbox.concurrency handle()s at once', async () => {
    const { tree, path, gates, gated, seen } = await bootEcho({ mailbox: { concurrency: 2 } });

    const calls = [1, 2, 3].map((reply) => tree.service.call(path, { gate: true, reply }));
    await gated(2);
    await settle();
    expect(seen).toHaveLength(2);

    gates[1]!.resolve(undefined);
    await gated(3);
    gates[0]!.resolve(undefined);
    gates[2]!.resolve(undefined);
    await expect(Promise.all(calls)).resolves.toEqual([1, 2, 3]);
  });

  it('rejects a call to an unknown path or class with UnknownNodeError', async () => {
    const { tree } = await bootEcho();
    const stranger = defineWorker('Stranger', { run: () => undefined, handle: () => 1 });

    const byPath = await rejectionOf(tree.service.call('root/Nobody', {}));
    expect(byPath).toBeInstanceOf(UnknownNodeError);
    expect(byPath.message).toBe(MESSAGES.unknownNode('root/Nobody'));
    await expect(tree.service.call(stranger, {})).rejects.toBeInstanceOf(UnknownNodeError);
  });

  it('rejects a call to a supervisor or to a worker without handle() with NotCallableError', async () => {
    const control = new RunControl();
    const plain = defineWorker('Plain', { run: (ctx) => control.hold(ctx) });
    const sup = defineSupervisor('Sup', { children: [plain] });
    const tree = await bootInProcess(cleanup, [plain, sup]);

    const toSupervisor = await rejectionOf(tree.service.call(sup, {}));
    expect(toSupervisor).toBeInstanceOf(NotCallableError);
    expect(toSupervisor).toMatchObject({ path: 'root/Sup', why: 'supervisor', message: MESSAGES.notCallable('root/Sup', 'supervisor') });
    const toPlain = await rejectionOf(tree.service.call('root/Sup/Plain', {}));
    expect(toPlain).toMatchObject({ name: 'NotCallableError', why: 'no-handle', message: MESSAGES.notCallable('root/Sup/Plain', 'no-handle') });
  });

  it('rejects at once with MailboxFullError when capacity calls are waiting or being handled', async () => {
    const { tree, path, gates, gated } = await bootEcho({ mailbox: { capacity: 2 } });

    const held = [tree.service.call(path, { gate: true, reply: 'a' }), tree.service.call(path, { reply: 'b' })];
    await gated(1);
    const full = await rejectionOf(tree.service.call(path, { reply: 'c' }));
    expect(full).toBeInstanceOf(MailboxFullError);
    expect(full.message).toBe(MESSAGES.mailboxFull(path, 2));

    gates[0]!.resolve(undefined);
    await expect(Promise.all(held)).resolves.toEqual(['a', 'b']);
    await expect(tree.service.call(path, { reply: 'd' })).resolves.toBe('d');
  });

  it('rejects with CallTimeoutError: handling when handle() is too slow, queued when waiting behind it', async () => {
    const { tree, path, gates, gated } = await bootEcho();

    const slow = tree.service.call(path, { gate: true }, { timeoutMs: 50 });
    const behind = tree.service.call(path, { reply: 1 }, { timeoutMs: 60 });
    await gated(1);
    const [slowError, behindError] = await Promise.all([rejectionOf(slow), rejectionOf(behind)]);

    expect(slowError).toBeInstanceOf(CallTimeoutError);
    expect(slowError).toMatchObject({ state: 'handling', timeoutMs: 50, message: MESSAGES.callTimeout(path, 50, 'handling') });
    expect(behindError).toMatchObject({ name: 'CallTimeoutError', state: 'queued', message: MESSAGES.callTimeout(path, 60, 'queued') });
    // The slow handle() still holds the worker: the next call is handled once it settles.
    const next = tree.service.call(path, { reply: 2 });
    gates[0]!.resolve(undefined);
    await expect(next).resolves.toBe(2);
  });

  it('rejects with CallRejectedError when handle() throws; the worker keeps running', async () => {
    const { tree, path } = await bootEcho();

    const error = await rejectionOf(tree.service.call(path, { fail: 'no such job' }));
    expect(error).toBeInstanceOf(CallRejectedError);
    expect(error.message).toBe(MESSAGES.callRejected(path, 'no such job'));
    expect((error.cause as Error).message).toBe('no such job');
    await expect(tree.service.call(path, { reply: 'still here' })).resolves.toBe('still here');
    expect(tree.recorder.events.filter((e) => e.type === 'failed')).toEqual([]);
  });

  it('rejects the call being handled and those waiting with WorkerCrashedError when the worker fails; calls work again after its restart', async () => {
    const { tree, control, path, gated } = await bootEcho();

    const handling = tree.service.call(path, { gate: true });
    const waiting = tree.service.call(path, { reply: 1 });
    await gated(1);
    control.fail(path, 'disk on fire');
    const [a, b] = await Promise.all([rejectionOf(handling), rejectionOf(waiting)]);

    for (const error of [a, b]) {
      expect(error).toBeInstanceOf(WorkerCrashedError);
      expect(error).toMatchObject({ ended: 'failed', message: MESSAGES.workerCrashed(path, 'failed') });
      expect((error.cause as Error).message).toBe('disk on fire');
    }
    await tree.recorder.waitFor({ type: 'restarted', path: path });
    await expect(tree.service.call(path, { n: 2 })).resolves.toEqual({ echo: { n: 2 }, attempt: 1, path });
  });

  it('keeps a call made while the worker restarts until it runs again', async () => {
    const { tree, control, path } = await bootEcho({ backoff: { minDelayMs: 100, maxDelayMs: 100 } });

    control.fail(path);
    await tree.recorder.waitFor({ type: 'restart-scheduled', path: path });
    const call = tree.service.call(path, { n: 3 }, { timeoutMs: 10_000 });

    await expect(call).resolves.toEqual({ echo: { n: 3 }, attempt: 1, path });
  });

  it('keeps calls waiting while a sibling failure restarts the worker with it (one-for-all), then answers them', async () => {
    const control = new RunControl();
    const echo = defineWorker('Echo', { run: (ctx) => control.hold(ctx), handle: (_message, ctx) => ctx.attempt });
    const sibling = defineWorker('Sibling', { run: (ctx) => control.hold(ctx) }, { backoff: { minDelayMs: 100, maxDelayMs: 100 } });
    const sup = defineSupervisor('Pair', { children: [echo, sibling], strategy: 'one-for-all' });
    const tree = await bootInProcess(cleanup, [echo, sibling, sup]);
    const path = 'root/Pair/Echo';

    control.fail('root/Pair/Sibling');
    await tree.recorder.waitFor({ type: 'stopped', path: path });
    const during = tree.service.call(path, {}, { timeoutMs: 10_000 });

    await expect(during).resolves.toBe(1);
  });

  it('rejects with WorkerRestartingError when the worker is not back within the timeout', async () => {
    const { tree, control, path } = await bootEcho({ backoff: { minDelayMs: 60_000, maxDelayMs: 60_000 } });

    control.fail(path);
    await tree.recorder.waitFor({ type: 'restart-scheduled', path: path });
    const error = await rejectionOf(tree.service.call(path, {}, { timeoutMs: 30 }));

    expect(error).toBeInstanceOf(WorkerRestartingError);
    expect(error).toBeInstanceOf(CallTimeoutError);
    expect(error).toMatchObject({ state: 'restarting', message: MESSAGES.workerRestarting(path, 30) });
  });

  it('rejects with WorkerStoppedError: a call to a stopped worker at once, one waiting when it is stopped', async () => {
    const { tree, control, path, gated } = await bootEcho({ restart: 'never' });

    control.finish(path);
    await tree.recorder.waitFor({ type: 'gave-up', path: path });
    const error = await rejectionOf(tree.service.call(path, {}));
    expect(error).toBeInstanceOf(WorkerStoppedError);
    expect(error.message).toBe(MESSAGES.workerStopped(path));

    await tree.service.stop();
    await tree.service.start();
    const gate = rejectionOf(tree.service.call(path, { gate: true }));
    const waiting = rejectionOf(tree.service.call(path, { reply: 1 }));
    await gated(1);
    const stopping = tree.service.stop();
    await expect(waiting).resolves.toBeInstanceOf(WorkerStoppedError);
    await stopping;
    // Its handle() never answered before the stop completed.
    await expect(gate).resolves.toBeInstanceOf(WorkerStoppedError);
    await expect(rejectionOf(tree.service.call(path, {}))).resolves.toBeInstanceOf(WorkerStoppedError);
  });

  it('lets a handle() that was running finish during a stop and delivers its reply', async () => {
    const { tree, path, gates, gated } = await bootEcho();

    const call = tree.service.call(path, { gate: true, reply: 'done' });
    await gated(1);
    const stopping = tree.service.stop();
    gates[0]!.resolve(undefined);
    await stopping;

    await expect(call).resolves.toBe('done');
  });

  it('rejects a message that is not data or too large with InvalidMessageError naming the field', async () => {
    const { tree, path, seen } = await bootEcho({ mailbox: { maxMessageBytes: 64 } });
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;

    const cases: [unknown, string, string][] = [
      [{ job: { run: () => 1 } }, 'message.job.run', 'a function is not data'],
      [{ at: new Date(0) }, 'message.at', 'a Date is not data; send a plain object, array, string, number, boolean or null'],
      [{ list: [1, Number.NaN] }, 'message.list[1]', 'NaN is not a finite number'],
      [{ n: 1n }, 'message.n', 'a bigint is not data'],
      [{ list: [undefined] }, 'message.list[0]', 'undefined is not data'],
      [cyclic, 'message.self', 'refers back to an object that contains it (a cycle)'],
      [{ text: 'x'.repeat(100) }, 'message.text', 'makes it larger than 64 bytes'],
    ];
    for (const [message, field, problem] of cases) {
      const error = await rejectionOf(tree.service.call(path, message));
      expect(error).toBeInstanceOf(InvalidMessageError);
      expect(error).toMatchObject({ field, problem, message: MESSAGES.invalidMessage(path, field, problem) });
    }
    expect(seen).toEqual([]);
  });

  it('rejects a reply that is not data with InvalidMessageError naming the reply field', async () => {
    const { tree, path } = await bootEcho();

    const error = await rejectionOf(tree.service.call(path, { reply: { when: new Map() } }));
    // The Map in the message itself is refused first: nothing that is not data gets in.
    expect(error).toMatchObject({ name: 'InvalidMessageError', field: 'message.reply.when' });

    const odd = defineWorker('Odd', { run: (ctx) => new RunControl().hold(ctx), handle: () => ({ at: new Date(0) }) });
    const tree2 = await bootInProcess(cleanup, [odd]);
    const replyError = await rejectionOf(tree2.service.call(odd, {}));
    expect(replyError).toBeInstanceOf(InvalidMessageError);
    expect(replyError).toMatchObject({ field: 'reply.at' });
  });

  it('refuses a timeoutMs that is not a positive number with InvalidOptionError', async () => {
    const { tree, path } = await bootEcho();

    for (const timeoutMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const error = await rejectionOf(tree.service.call(path, {}, { timeoutMs }));
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect(error.message).toContain('SupervisionService.call: option "timeoutMs"');
    }
  });

  it('settles every call exactly once, with a reply or a typed error, while the worker fails again and again', async () => {
    const { tree, control, path } = await bootEcho({ backoff: { minDelayMs: 0, maxDelayMs: 0 } });
    const outcomes = new Map<number, string[]>();

    const calls: Promise<void>[] = [];
    for (let round = 0; round < 10; round += 1) {
      for (let j = 0; j < 30; j += 1) {
        const i = round * 30 + j;
        calls.push(
          tree.service.call(path, { reply: i }, { timeoutMs: 20_000 }).then(
            (reply) => void outcomes.set(i, [...(outcomes.get(i) ?? []), `reply ${String(reply)}`]),
            (error: Error) => void outcomes.set(i, [...(outcomes.get(i) ?? []), error.name]),
          ),
        );
      }
      control.fail(path);
      await settle(3);
    }
    await Promise.all(calls);
    await settle();

    expect(outcomes.size).toBe(300);
    for (const [i, seen] of outcomes) {
      expect(seen).toHaveLength(1);
      expect(seen[0] === `reply ${i}` || seen[0] === 'WorkerCrashedError').toBe(true);
    }
    const all = [...outcomes.values()].map(([o]) => o);
    expect(all.filter((o) => o === 'WorkerCrashedError').length).toBeGreaterThan(0);
    expect(all.filter((o) => o!.startsWith('reply')).length).toBeGreaterThan(0);
  });
});

describe('cast', () => {
  it('resolves once the mailbox took the message, before it is handled, and the worker handles it', async () => {
    const { tree, path, gates, gated, seen } = await bootEcho();

    await tree.service.cast(path, { gate: true, reply: 'ignored' });
    await gated(1);
    expect(seen).toEqual([{ gate: true, reply: 'ignored' }]);
    gates[0]!.resolve(undefined);
    await expect(tree.service.call(path, { reply: 'after' })).resolves.toBe('after');
  });

  it('rejects as a call would before delivery: unknown path, not data, full mailbox', async () => {
    const { tree, path, gates, gated } = await bootEcho({ mailbox: { capacity: 1 } });

    await expect(tree.service.cast('root/Nobody', {})).rejects.toBeInstanceOf(UnknownNodeError);
    await expect(tree.service.cast(path, { f: Symbol('x') })).rejects.toBeInstanceOf(InvalidMessageError);
    await tree.service.cast(path, { gate: true });
    await gated(1);
    await expect(tree.service.cast(path, {})).rejects.toBeInstanceOf(MailboxFullError);
    gates[0]!.resolve(undefined);
  });
});

describe('calls to pools and dynamic children', () => {
  /** A pool of 3 that answers with its instance; handle() waits for a gate when asked. */
  async function bootPool() {
    const control = new RunControl();
    const gates: Deferred[] = [];
    const pool = defineWorker(
      'Shard',
      {
        run: (ctx) => control.hold(ctx),
        handle: async (message, ctx) => {
          if ((message as { gate?: boolean }).gate) {
            const gate = new Deferred();
            gates.push(gate);
            await gate.promise;
          }
          return ctx.instance;
        },
      },
      { instances: 3 },
    );
    const tree = await bootInProcess(cleanup, [pool]);
    return { tree, pool, gates };
  }

  it('routes a call with a key to one instance, always the same: FNV-1a(key) mod N', async () => {
    const { tree, pool } = await bootPool();

    const byKey = new Map<string, unknown>();
    for (const key of ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'acme', 'globex']) {
      const instance = await tree.service.call(pool, {}, { key });
      if (byKey.has(key)) expect(instance).toBe(byKey.get(key));
      byKey.set(key, instance);
    }
    expect(new Set(byKey.values()).size).toBeGreaterThan(1);
    await expect(tree.service.call('root/Shard', {}, { key: 'foobar' })).resolves.toBe(0xbf9cf968 % 3);
  });

  it('without a key, gives a call to the least busy instance, in turn among equals', async () => {
    const { tree, gates } = await bootPool();

    const busy = [tree.service.call('root/Shard', { gate: true }), tree.service.call('root/Shard', { gate: true })];
    for (let i = 0; i < 100 && gates.length < 2; i += 1) await settle(1);
    await expect(tree.service.call('root/Shard', {})).resolves.toBe(2);
    gates.forEach((gate) => gate.resolve());
    await expect(Promise.all(busy)).resolves.toEqual([0, 1]);
    // A member is still callable by its own path.
    await expect(tree.service.call('root/Shard#1', {})).resolves.toBe(1);
  });

  it('refuses a key that is not a string or a finite number with InvalidOptionError', async () => {
    const { tree } = await bootPool();
    await expect(tree.service.call('root/Shard', {}, { key: {} as unknown as string })).rejects.toBeInstanceOf(InvalidOptionError);
  });

  it('calls a dynamic child by its path; refuses calls once it is terminated or deleted', async () => {
    const control = new RunControl();
    const tenant = defineWorker('Tenant', { run: (ctx) => control.hold(ctx), handle: (message, ctx) => ({ id: ctx.id, message }) }, { dynamic: true });
    const plainTenant = defineWorker('PlainTenant', { run: (ctx) => control.hold(ctx) }, { dynamic: true });
    const tenants = defineSupervisor('Tenants', { dynamic: true });
    const tree = await bootInProcess(cleanup, [tenant, plainTenant, tenants]);

    const { path } = await tree.service.startChild(tenants, tenant, { id: 'acme' });
    expect(path).toBe('root/Tenants/Tenant:acme');
    await expect(tree.service.call(path, { job: 1 })).resolves.toEqual({ id: 'acme', message: { job: 1 } });
    const plain = await tree.service.startChild(tenants, plainTenant, { id: 'x' });
    await expect(tree.service.call(plain.path, {})).rejects.toBeInstanceOf(NotCallableError);

    await tree.service.terminateChild(path);
    await expect(rejectionOf(tree.service.call(path, {}))).resolves.toBeInstanceOf(WorkerStoppedError);
    await tree.service.restartChild(path);
    await expect(tree.service.call(path, { job: 2 })).resolves.toEqual({ id: 'acme', message: { job: 2 } });

    await tree.service.terminateChild(path);
    await tree.service.deleteChild(path);
    await expect(rejectionOf(tree.service.call(path, {}))).resolves.toBeInstanceOf(UnknownNodeError);
  });
});
