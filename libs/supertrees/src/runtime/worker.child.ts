import { Logger, type LoggerService } from '@nestjs/common';
import type { StopReason } from '../events/supervision.events.js';
import type { SupervisedWorker, WorkerContext } from '../interfaces/worker.interface.js';
import { MESSAGES } from '../shared/supervision.messages.js';
import type { WorkerNode } from '../tree/tree.types.js';
import type { Mailbox } from './mailbox.js';
import { restartsWithSibling, shouldRestart } from './restart.decisions.js';
import type { ChildExit, SupervisedChild } from './supervised-child.js';
import { schedule, settlesWithin } from './timers.js';
import { WorkerInitTimeoutError } from '../errors/supervision-runtime.error.js';
import type { HeldLease } from './unit.leases.js';
import type { LeaseHandle } from '../interfaces/cluster.interface.js';

/** The reason a worker's signal is aborted with when its supervisor stops it. */
export class WorkerStopRequest extends Error {
  /** `ended` when the run ended by itself; otherwise why its supervisor stopped it. */
  constructor(readonly reason: StopReason | 'ended') {
    super(reason === 'ended' ? 'the run ended' : `stop requested (${reason})`);
    this.name = 'WorkerStopRequest';
  }
}

const RUN_ENDED = new WorkerStopRequest('ended');
/**
 * One reason per kind of stop, shared by every worker stopped so: a new Error per stop costs a
 * stack capture each, which is most of stopping an idle worker (100 000 dynamic children, say).
 */
const STOP_REQUESTS = new Map<StopReason, WorkerStopRequest>();

function stopRequest(reason: StopReason): WorkerStopRequest {
  let request = STOP_REQUESTS.get(reason);
  if (!request) {
    request = new WorkerStopRequest(reason);
    STOP_REQUESTS.set(reason, request);
  }
  return request;
}

/**
 * The stop switch of one start of a worker. Its AbortController is made only when the worker
 * reads `ctx.signal`: a worker that never looks at its signal (one that throws or returns at once)
 * restarts without one, which is a third of the cost of an in-process restart. A signal read after
 * the run ended or was stopped comes already aborted, with the same reason.
 */
class StopSwitch {
  private controller?: AbortController;
  /** Why this start was ended or stopped; undefined while it may still run. */
  reason?: WorkerStopRequest;
  /** Rejects the pending `init()` race, if any, when stopped. */
  interrupt?: (reason: WorkerStopRequest) => void;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.reason) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** Returns false if it was already thrown. */
  abort(reason: WorkerStopRequest): boolean {
    if (this.reason) return false;
    this.reason = reason;
    this.controller?.abort(reason);
    this.interrupt?.(reason);
    return true;
  }
}

/**
 * The `ctx` of one start. `signal` and `logger` are own enumerable getters, so that `{ ...ctx }` and
 * destructuring carry them, made lazily (an AbortController, a Nest Logger) on first read. They are
 * defined with getter functions shared by every context: an object literal with getters would
 * make two closures, a hidden class of its own and a dictionary of properties per start (about
 * 1 KiB and most of the time of starting an idle dynamic child). What they read is kept in
 * `#` fields, which neither a spread nor `Object.keys` sees.
 */
class RunContext implements WorkerContext {
  declare readonly signal: AbortSignal;
  declare readonly logger: LoggerService;
  readonly #stop: StopSwitch;
  readonly #child: WorkerChild;
  readonly attempt: number;
  readonly path: string;
  readonly id?: string;
  readonly args?: unknown;
  readonly instance?: number;
  readonly fencingToken?: number;
  readonly partition?: number;
  readonly lease?: LeaseHandle;

  // One `defineProperty` each: `defineProperties` allocates its keys and descriptors anew per call.
  private static readonly SIGNAL: PropertyDescriptor = {
    get(this: RunContext) {
      return this.#stop.signal;
    },
    enumerable: true,
  };
  private static readonly LOGGER: PropertyDescriptor = {
    get(this: RunContext) {
      return this.#child.ownLogger;
    },
    enumerable: true,
  };

  constructor(stop: StopSwitch, child: WorkerChild, attempt: number, node: WorkerNode, held: HeldLease | undefined) {
    this.#stop = stop;
    this.#child = child;
    Object.defineProperty(this, 'signal', RunContext.SIGNAL);
    Object.defineProperty(this, 'logger', RunContext.LOGGER);
    this.attempt = attempt;
    this.path = node.path;
    this.id = node.id;
    this.args = node.args;
    // A partition is not a pool member, whatever its path looks like.
    this.instance = node.placement ? undefined : node.instance;
    this.fencingToken = held?.fencingToken;
    this.partition = held?.partition;
    this.lease = held?.handle;
  }
}

/** How a host makes a new instance of a worker class, with its dependencies injected: the instance, or a promise of it. */
export interface WorkerMaker {
  create(type: Function): unknown;
}

/** A `@Worker()` instance run as an async task in this process. */
export class WorkerChild implements SupervisedChild {
  private switch?: StopSwitch;
  /** The current `init()` or `run()`, settled either way: what a stop waits for. */
  private current: Promise<unknown> = Promise.resolve();
  /** Made when the worker first reads `ctx.logger`: most workers of a large dynamic supervisor never do. */
  private workerLogger?: LoggerService;
  private attempt = 0;

  constructor(
    private readonly node: WorkerNode,
    /** The singleton; undefined for a child with its own instance, made by `maker` at its first start. */
    private instance: SupervisedWorker | undefined,
    private readonly logger: LoggerService | undefined,
    /** Set when the class has `handle()`: calls wait here while the worker is not running. */
    private readonly mailbox?: Mailbox,
    /** Makes a child's own instance (with its dependencies): shared by the children of a host, not a closure per child. */
    private readonly maker?: WorkerMaker,
    /** Cluster mode: the lease this worker runs under now (its own or its placed ancestor's), if any. */
    private readonly leaseOf?: () => HeldLease | undefined,
  ) {}

  /** The worker's Nest logger, made on first use: most workers of a large dynamic supervisor never log. */
  get ownLogger(): LoggerService {
    this.workerLogger ??= new Logger(this.node.name);
    return this.workerLogger;
  }

  async start(attempt: number, onExit: (exit: ChildExit) => void): Promise<void> {
    const stop = new StopSwitch();
    this.switch = stop;
    this.attempt = attempt;
    const mailbox = this.mailbox;
    mailbox?.hold();
    const node = this.node;
    if (!this.instance) {
      const made = this.maker!.create(node.type);
      if (made instanceof Promise) {
        this.current = made;
        this.instance = (await made) as SupervisedWorker;
        if (stop.reason) throw stop.reason;
      } else this.instance = made as SupervisedWorker;
    }
    const worker = this.instance;
    const ctx = new RunContext(stop, this, attempt, node, this.leaseOf?.());

    if (worker.init) {
      // Checked in the same step as the call: a stop that came first means it is never called.
      const init = Promise.resolve().then(() => (stop.reason ? undefined : worker.init!(ctx)));
      this.current = init;
      // A stop during init() settles the start at once; init() itself is waited for by stop().
      // So does initTimeoutMs: an init() that never settles must not hold its supervisor's start.
      const { initTimeoutMs, path } = this.node;
      let cancelTimer = () => {};
      try {
        await new Promise<void>((resolve, reject) => {
          stop.interrupt = reject;
          if (Number.isFinite(initTimeoutMs)) cancelTimer = schedule(initTimeoutMs, () => reject(new WorkerInitTimeoutError(path, initTimeoutMs)));
          init.then(() => resolve(), reject);
        });
      } catch (error) {
        // A failed or timed-out init() ends this start: whatever it tied to its signal is told to stop.
        stop.abort(RUN_ENDED);
        throw error;
      } finally {
        cancelTimer();
        stop.interrupt = undefined;
      }
    }
    if (stop.reason) throw stop.reason;

    const run = Promise.resolve().then(() => (stop.reason ? undefined : worker.run(ctx)));
    this.current = run;
    this.mailbox?.open(worker, ctx);
    this.watch(run, stop, attempt, onExit);
  }

  /**
   * The run's end, whatever it is, reaches the supervisor once. A method of its own, so that what
   * its callbacks keep alive for the life of the run is these few values, not the frame of `start()`.
   */
  private watch(run: Promise<unknown>, stop: StopSwitch, attempt: number, onExit: (exit: ChildExit) => void): void {
    // Whatever the ended run left tied to its signal is told to stop too. One shared reason:
    // a new Error per restart costs a stack capture on the hottest path.
    run.then(
      () => {
        if (!stop.abort(RUN_ENDED)) return;
        this.mailbox?.crashed('exited', undefined, shouldRestart(this.node.restart, 'normal', attempt));
        onExit({ kind: 'normal' });
      },
      (error: unknown) => {
        if (!stop.abort(RUN_ENDED)) return;
        this.mailbox?.crashed('failed', error, shouldRestart(this.node.restart, 'failed', attempt));
        onExit({ kind: 'failed', error, phase: 'run' });
      },
    );
  }

  async stop(reason: StopReason): Promise<boolean> {
    this.switch?.abort(stopRequest(reason));
    // Only a sibling's restart brings it back; any other stop is for good, as far as this worker knows.
    this.mailbox?.stopping(reason === 'strategy' && restartsWithSibling(this.node.restart, this.attempt));
    const timedOut = await settlesWithin(this.current, this.node.shutdownTimeoutMs);
    this.mailbox?.stopped();
    if (timedOut) this.logger?.warn(MESSAGES.abandoned(this.node.path, this.node.shutdownTimeoutMs));
    return timedOut;
  }
}
