// Figure 9: the round trip of a call, in process against a direct method call that returns a promise,
// and across a process boundary against a raw IPC round trip between two bare Node processes; and
// the throughput of calls with many in flight.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NestFactory } from '@nestjs/core';
import { SupervisionService } from '#supertrees';
import { findNode } from '#supertrees/testing';
import { Echo, LOG_LEVELS, treeModule } from '../fixtures/trees.js';
import { isUnplaced, withPlacement, type Placement } from '../lib/affinity.js';
import { runFigure } from '../lib/harness.js';
import { row, type FigureResult, type Summary } from '../lib/results.js';
import { immediate, summarize } from '../lib/stats.js';

/** Samples of each measure; each sample is one batch's time divided by its size. */
const RUNS = 15;
const LOCAL_BATCH = 20_000;
const REMOTE_BATCH = 2_000;
/** Calls in flight at once in the throughput rows. */
const IN_FLIGHT = 100;
const THROUGHPUT_CALLS = 20_000;

/** The placements the round trip across processes is measured in again, each with its own floor (see ../lib/affinity.ts). */
const PLACEMENTS: readonly Placement[] = ['one core', 'two cores'];

const LOCAL = 'root/Echo';
const REMOTE_SUPERVISOR = 'root/EchoSupervisor';
const REMOTE = `${REMOTE_SUPERVISOR}/RemoteEcho`;
const message = (i: number) => ({ n: i, tenant: 'acme', job: 'resize' });

/**
 * µs per round of `floor()` and of `once()`, sampled RUNS times each after one warm-up batch each,
 * the two taking turns batch by batch so that load on the machine hits both alike. Every reply is
 * read (its `n` summed and checked), the floor's as the call's: a result nobody uses is one V8 may
 * spare work on.
 */
async function perCall(
  batch: number,
  floor: (i: number) => Promise<unknown>,
  once: (i: number) => Promise<unknown>,
): Promise<{ floor: Summary; call: Summary }> {
  const floorSamples: number[] = [];
  const samples: number[] = [];
  for (let run = -1; run < RUNS; run += 1) {
    for (const [fn, into] of [[floor, floorSamples], [once, samples]] as const) {
      let sum = 0;
      const t0 = performance.now();
      for (let i = 0; i < batch; i += 1) sum += ((await fn(i)) as { n: number }).n;
      if (run >= 0) into.push(((performance.now() - t0) * 1000) / batch);
      if (sum !== (batch * (batch - 1)) / 2) throw new Error(`figure 9: the replies do not add up (${sum})`);
      // In-process calls to a handle() that answers at once never leave the microtask queue: give
      // the event loop its turn, or the supervisor process's heartbeats go unread.
      await immediate();
    }
  }
  return { floor: summarize(floorSamples), call: summarize(samples) };
}

let capturedResolve: (value: unknown) => void = () => undefined;
let capturedReject: (error: unknown) => void = () => undefined;
const capture = (resolve: (value: unknown) => void, reject: (error: unknown) => void) => {
  capturedResolve = resolve;
  capturedReject = reject;
};

/**
 * The least any call that can reject at its deadline does: a promise of its own (one the caller
 * can settle without `handle()`, which may never settle), settled by a `then` on `handle()`'s
 * promise. Awaiting it costs a second microtask, its resolving functions and the `then`'s reaction;
 * the direct call's floor has none of these.
 */
function promiseOfItsOwn(echo: Echo, message: unknown): Promise<unknown> {
  const promise = new Promise(capture);
  echo.handle(message).then(capturedResolve, capturedReject);
  return promise;
}

/** Calls per second with IN_FLIGHT calls outstanding at any time. */
async function throughput(call: (i: number) => Promise<unknown>, total: number): Promise<Summary> {
  const samples: number[] = [];
  for (let run = -1; run < 5; run += 1) {
    let next = 0;
    const t0 = performance.now();
    const lane = async () => {
      while (next < total) await call(next++);
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    if (run >= 0) samples.push(total / ((performance.now() - t0) / 1000));
    await immediate();
  }
  return summarize(samples, 0);
}

/** The floor across processes: a bare echo child, one message at a time; `use` gets the round trip (and the child's pid) while the child lives. */
async function withRawIpc<T>(use: (roundTrip: (i: number) => Promise<unknown>, pid: number) => Promise<T>): Promise<T> {
  const child = fork(fileURLToPath(new URL('../fixtures/ipc-echo-child.js', import.meta.url)), [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    let waiting: ((m: unknown) => void) | undefined;
    await new Promise<void>((resolve) => child.once('message', () => resolve()));
    child.on('message', (m) => waiting?.((m as { payload: unknown }).payload));
    return await use((i) => {
      const reply = new Promise((resolve) => (waiting = resolve));
      child.send({ t: 'request', id: i, payload: message(i) });
      return reply;
    }, child.pid!);
  } finally {
    child.kill('SIGKILL');
  }
}

async function measure(): Promise<FigureResult> {
  const echo = new Echo();

  const app = await NestFactory.createApplicationContext(treeModule('calls', { standby: 0 }), { logger: LOG_LEVELS });
  try {
    const service = app.get(SupervisionService);
    await service.start();
    const localCall = (i: number) => service.call(LOCAL, message(i));
    const { floor: direct, call: local } = await perCall(LOCAL_BATCH, (i) => echo.handle(message(i)), localCall);
    const { floor: shape, call: localAgain } = await perCall(LOCAL_BATCH, (i) => promiseOfItsOwn(echo, message(i)), localCall);
    const remoteCall = (i: number) => service.call(REMOTE, message(i));
    const unplaced: string[] = [];
    const { unpinned, pinned } = await withRawIpc(async (roundTrip, echoPid) => {
      const unpinned = await perCall(REMOTE_BATCH, roundTrip, remoteCall);
      const pinned: { placement: Placement; floor: Summary; call: Summary }[] = [];
      for (const placement of PLACEMENTS) {
        // The supervisor process that runs RemoteEcho now, as the tree reports it (not any child of this process).
        const supervisorPid = findNode(service.snapshot(), REMOTE_SUPERVISOR).pid;
        if (supervisorPid === undefined) throw new Error(`figure 9: the snapshot shows no process for ${REMOTE_SUPERVISOR}`);
        const measured = await withPlacement(placement, [supervisorPid, echoPid], () => perCall(REMOTE_BATCH, roundTrip, remoteCall));
        if (isUnplaced(measured)) unplaced.push(`not pinned to ${placement}: ${measured.unavailable}`);
        else pinned.push({ placement, ...measured });
      }
      return { unpinned, pinned };
    });
    const { floor: ipc, call: remote } = unpinned;
    const localRate = await throughput((i) => service.call(LOCAL, message(i)), THROUGHPUT_CALLS);
    const remoteRate = await throughput((i) => service.call(REMOTE, message(i)), THROUGHPUT_CALLS);
    const localRatio = local.median / direct.median;
    const remoteRatio = remote.median / ipc.median;
    const ipcFloor = (value: Summary, pinnedAlike = false) => ({ what: `raw IPC round trip, bare Node processes${pinnedAlike ? ', pinned alike' : ''}`, value });
    const acrossGoal = (ratio: number) => ({ text: '≤ 1.5× floor', met: ratio <= 1.5 });
    return {
      number: 9,
      id: 'calls',
      title: 'Call round trip and throughput',
      setup:
        `SupervisionService.call() to a @Worker whose async handle() returns its message ({ n, tenant, job }), one call at a time ` +
        `(${RUNS} samples of ${LOCAL_BATCH} in process, ${REMOTE_BATCH} across), the floor's and the call's batches taking turns, after a warm-up batch of each; throughput with ` +
        `${IN_FLIGHT} calls in flight on a worker of concurrency 1. Floors, same run: awaiting the same async method called ` +
        `directly; a promise of its own settled by a then() on that method's promise (in-process, second row); a bare Node child ` +
        `that sends every IPC message back, one message at a time (across, measured unpinned and again with both sides pinned ` +
        `by taskset to one CPU and to two, each placement against its own floor).`,
      rows: [
        row('call round trip, in process', 'µs', local, { what: 'direct call of an async method', value: direct }, { text: '≤ 3× floor', met: localRatio <= 3 }),
        row('call round trip, in process (vs the least a call with a deadline does)', 'µs', localAgain, {
          what: 'a promise of its own settled by then() on the same async method',
          value: shape,
        }),
        // Pinned, the goal is each placement's; unpinned (the placement as the kernel picks it) only without taskset.
        row('call round trip, across a process', 'µs', remote, ipcFloor(ipc), pinned.length === 0 ? acrossGoal(remoteRatio) : undefined),
        ...pinned.map(({ placement, floor, call }) =>
          row(`call round trip, across a process, pinned to ${placement}`, 'µs', call, ipcFloor(floor, true), acrossGoal(call.median / floor.median)),
        ),
        row(`call throughput, in process, ${IN_FLIGHT} in flight`, 'calls/s', localRate),
        row(`call throughput, across a process, ${IN_FLIGHT} in flight`, 'calls/s', remoteRate),
      ],
      details: {},
      notes: [
        'In process, a call checks that its message and reply are data (one walk each), finds the mailbox by path (one map read), ' +
          'takes a place in the bounded mailbox and runs handle() at once when the worker is idle and nothing waits, and settles a ' +
          'promise of its own; its deadline is stamped at the end of its event-loop turn only if it is still pending then (no clock ' +
          'read, no timer per call). The floor does none of these. Across a process it also goes through the request channel (a ' +
          'correlation id and a timer on the caller side, validation of the request and the reply, the router and the error ' +
          'envelope), both ways.',
        'The second in-process row takes turns with a floor that does what any call with a deadline must: a promise of its own, ' +
          "since handle()'s may never settle, settled by a then() on handle()'s promise (a second microtask, two resolving " +
          'functions, a reaction). What the call does beyond that is its own cost: the two data checks, the lookup, the mailbox.',
        'Across a process, where the kernel runs the woken process decides the round trip: on the sending core, after a context ' +
          'switch; on the other, idle one, after that core wakes up, which on a virtual machine costs tens of µs. The kernel ' +
          'picks per wake-up, so the unpinned row and its floor can land in different modes. The pinned rows measure each ' +
          'placement like for like (taskset: this process and both children on one CPU, or this process on one and the ' +
          'children on another); the goal is theirs. Without taskset, only the unpinned row is measured and the goal is its.',
        ...unplaced,
      ],
    };
  } finally {
    await app.close();
  }
}

await runFigure(measure);
