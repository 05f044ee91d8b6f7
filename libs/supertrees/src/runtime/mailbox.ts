import type { LoggerService } from '@nestjs/common';
import {
  CallRejectedError,
  CallTimeoutError,
  InvalidMessageError,
  MailboxFullError,
  WorkerCrashedError,
  WorkerRestartingError,
  WorkerStoppedError,
  type CallError,
} from '../errors/call.errors.js';
import type { SupervisedWorker, WorkerContext } from '../interfaces/worker.interface.js';
import { checkData } from '../shared/message.data.js';
import type { ResolvedMailbox } from '../shared/supervision.defaults.js';
import type { CallDeadlines, CallHolder, Expiring } from './call.deadlines.js';

/**
 * Where a worker's mailbox stands: `waiting` until its worker runs (not started yet, starting,
 * or down for a restart: calls queue), `running` (calls are handled), `stopped` (calls are refused).
 */
export type MailboxState = 'waiting' | 'running' | 'stopped';

/** A call (with `resolve`/`reject`) or a cast (without) in a mailbox. */
class Letter implements Expiring {
  settled = false;
  handling = false;
  /**
   * Set when its deadline is stamped, at the end of the turn it was posted in ({@link CallDeadlines}).
   * Undefined until then rather than NaN: a field that starts as a number holds a box of its own
   * from the start, 16 bytes per call that most calls, settled within their turn, never read.
   */
  deadline = undefined as unknown as number;

  constructor(
    private readonly mailbox: Mailbox,
    readonly message: unknown,
    readonly timeoutMs: number,
    readonly resolve: ((value: unknown) => void) | undefined,
    readonly reject: ((error: Error) => void) | undefined,
  ) {}

  expire(): void {
    this.mailbox.expire(this);
  }
}

/**
 * One place of handling in a mailbox (there are `concurrency`): the letter its `handle()` is
 * answering, and the two callbacks that take the answer, made once per place rather than per call.
 */
class Place {
  letter?: Letter = undefined;

  constructor(
    private readonly mailbox: Mailbox,
    /** The run of the worker it belongs to: a place of an ended run frees nothing in the next. */
    readonly epoch: number,
  ) {}

  readonly done = (value: unknown): void => this.mailbox.handled(this, true, value);
  readonly failed = (error: unknown): void => this.mailbox.handled(this, false, error);
}

/** Where {@link capture} leaves the resolving functions of the promise it was the executor of. */
let capturedResolve: ((value: unknown) => void) | undefined;
let capturedReject: ((error: Error) => void) | undefined;
/** One executor for every call's promise: no closure allocated per call. */
const capture = (resolve: (value: unknown) => void, reject: (error: Error) => void): void => {
  capturedResolve = resolve;
  capturedReject = reject;
};

/**
 * The bounded mailbox of one callable worker, as a gen_server's: calls wait their turn and are
 * handled `concurrency` at a time (one by default, in order). It outlives the worker's starts: it
 * is one per path in its process, and the worker's adapter opens it when the worker runs and
 * closes it when it ends. Every letter settles exactly once: replied, rejected with a typed
 * error, or expired at its deadline.
 */
export class Mailbox implements CallHolder {
  state: MailboxState = 'waiting';
  private worker?: SupervisedWorker;
  private ctx?: WorkerContext;
  private readonly queue: Letter[] = [];
  /** At most `concurrency` long: an array is cheaper than a set here. */
  private readonly inFlight: Letter[] = [];
  /** Letters held: waiting plus being handled (a timed-out `handle()` holds its place until it settles). */
  private held = 0;
  private active = 0;
  /** Bumped when the worker ends, so a `handle()` of an earlier run frees no place of this one. */
  private epoch = 0;
  private pumping = false;
  /** Places not handling anything now, of the current run: at most `concurrency` places are ever made per run. */
  private freePlaces: Place[] = [];
  /** Its letters of this turn wait for their deadline: the deadlines collect them at its end ({@link collectFresh}). */
  private awaitingStamp = false;

  constructor(
    readonly path: string,
    private readonly options: ResolvedMailbox,
    private readonly deadlines: CallDeadlines,
    private readonly logger: LoggerService | undefined,
  ) {}

  /** Letters waiting or being handled: the load that routing in a pool compares. */
  get load(): number {
    return this.held;
  }

  call(message: unknown, timeoutMs: number): Promise<unknown> {
    const refused = this.refuse(message);
    if (refused) return Promise.reject(refused);
    const promise = new Promise<unknown>(capture);
    this.post(new Letter(this, message, timeoutMs, capturedResolve, capturedReject));
    return promise;
  }

  /** Delivers without a reply; throws what `call` would reject with before delivery. */
  cast(message: unknown, timeoutMs: number): void {
    const refused = this.refuse(message);
    if (refused) throw refused;
    this.post(new Letter(this, message, timeoutMs, undefined, undefined));
  }

  /** The worker runs: handle what waited. */
  open(worker: SupervisedWorker, ctx: WorkerContext): void {
    this.worker = worker;
    this.ctx = ctx;
    this.state = 'running';
    this.pump();
  }

  /** The worker is (re)starting, or will be: calls queue until it runs. */
  hold(): void {
    this.state = 'waiting';
  }

  /**
   * The worker's run ended by itself: what was waiting or being handled is rejected, since the
   * state it was sent to is gone. `restarts` says whether its supervisor will start it again.
   */
  crashed(ended: 'failed' | 'exited', cause: unknown, restarts: boolean): void {
    this.endRun();
    const error = () => new WorkerCrashedError(this.path, ended, ended === 'failed' ? { cause } : undefined);
    this.rejectAll(this.inFlight, error);
    this.rejectAll(this.queue, error);
    this.state = restarts ? 'waiting' : 'stopped';
  }

  /**
   * The worker is being stopped: no new `handle()`; those running may still reply until the stop
   * completes ({@link stopped}). Unless it comes back (a sibling's restart), waiting calls are refused now.
   */
  stopping(comesBack: boolean): void {
    this.state = comesBack ? 'waiting' : 'stopped';
    if (!comesBack) this.rejectAll(this.queue, () => new WorkerStoppedError(this.path));
  }

  /** The stop completed: a `handle()` still running will not be answered. */
  stopped(): void {
    this.endRun();
    this.rejectAll(this.inFlight, () => new WorkerStoppedError(this.path));
  }

  /** The tree stopped: nothing here will be answered. */
  close(): void {
    this.endRun();
    this.state = 'stopped';
    const error = () => new WorkerStoppedError(this.path);
    this.rejectAll(this.inFlight, error);
    this.rejectAll(this.queue, error);
  }

  expire(letter: Letter): void {
    if (letter.settled) return;
    let error: CallError;
    if (letter.handling) {
      error = new CallTimeoutError(this.path, letter.timeoutMs, 'handling');
    } else {
      const at = this.queue.indexOf(letter);
      if (at >= 0) this.queue.splice(at, 1);
      this.held -= 1;
      error =
        this.state === 'running'
          ? new CallTimeoutError(this.path, letter.timeoutMs, 'queued')
          : new WorkerRestartingError(this.path, letter.timeoutMs);
    }
    this.settle(letter, error);
  }

  private refuse(message: unknown): CallError | undefined {
    if (this.state === 'stopped') return new WorkerStoppedError(this.path);
    const problem = checkData(message, this.options.maxMessageBytes, 'message');
    if (problem) return new InvalidMessageError(this.path, problem.field, problem.problem);
    if (this.held >= this.options.capacity) return new MailboxFullError(this.path, this.options.capacity);
    return undefined;
  }

  /**
   * The letters still held that have no deadline yet, for the deadlines at the end of the turn.
   * They are the last of the queue and the last of those being handled: both are in the order the
   * letters were posted (a letter is handled at once only when none waits), and all letters posted
   * before the last stamp were stamped by it. So each walk stops at the first stamped letter from
   * the end, and a long queue is not walked again each turn.
   */
  collectFresh(into: Expiring[]): void {
    this.awaitingStamp = false;
    collectUnstamped(this.inFlight, into);
    collectUnstamped(this.queue, into);
  }

  private post(letter: Letter): void {
    this.held += 1;
    if (!this.awaitingStamp) {
      this.awaitingStamp = true;
      this.deadlines.addHolder(this);
    }
    if (this.state === 'running' && this.active < this.options.concurrency && this.queue.length === 0) this.dispatch(letter);
    else this.queue.push(letter);
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.state === 'running' && this.active < this.options.concurrency && this.queue.length > 0) {
        this.dispatch(this.queue.shift()!);
      }
    } finally {
      this.pumping = false;
    }
  }

  private dispatch(letter: Letter): void {
    this.active += 1;
    letter.handling = true;
    this.inFlight.push(letter);
    const place = this.freePlaces.pop() ?? new Place(this, this.epoch);
    place.letter = letter;
    let result: unknown;
    try {
      result = this.worker!.handle!(letter.message, this.ctx!);
    } catch (error) {
      // As an async handle() that throws: answered on a later microtask, never inside call().
      result = Promise.reject(error);
    }
    (result instanceof Promise ? result : Promise.resolve(result)).then(place.done, place.failed);
  }

  /** A `handle()` settled (`ok`: with `value`; else it threw `value`). Called by its {@link Place}. */
  handled(place: Place, ok: boolean, value: unknown): void {
    const letter = place.letter!;
    place.letter = undefined;
    if (place.epoch === this.epoch) {
      this.freePlaces.push(place);
      this.active -= 1;
      this.held -= 1;
      const inFlight = this.inFlight;
      // Mostly the only one, or the last: no splice.
      if (inFlight[inFlight.length - 1] === letter) inFlight.pop();
      else {
        const at = inFlight.indexOf(letter);
        if (at >= 0) inFlight.splice(at, 1);
      }
    }
    if (!letter.settled) {
      if (ok && letter.resolve) {
        const problem = value === undefined ? undefined : checkData(value, this.options.maxMessageBytes, 'reply');
        if (problem) this.settle(letter, new InvalidMessageError(this.path, problem.field, problem.problem));
        else {
          letter.settled = true;
          letter.resolve(value);
        }
      } else if (!ok) {
        if (letter.reject) this.settle(letter, new CallRejectedError(this.path, value));
        else this.settle(letter, undefined, () => this.logger?.error(`${this.path}: handle() threw on a cast`, (value as Error)?.stack ?? String(value)));
      } else {
        this.settle(letter);
      }
    }
    if (this.queue.length > 0) this.pump();
  }

  /** Settles once: rejects with `error`, or resolves with undefined; a cast is only reported. A reply is settled in {@link handled}. */
  private settle(letter: Letter, error?: CallError, report?: () => void): void {
    if (letter.settled) return;
    letter.settled = true;
    if (error) {
      if (letter.reject) letter.reject(error);
      else this.logger?.warn(`cast to ${this.path} dropped: ${error.message}`);
      return;
    }
    report?.();
    letter.resolve?.(undefined);
  }

  /** The run ended: places held by its `handle()`s are freed, whatever those do later. */
  private endRun(): void {
    this.epoch += 1;
    this.active = 0;
    // The places of the ended run are not used again: a handle() of it that settles later finds its own.
    this.freePlaces = [];
    this.worker = undefined;
    this.ctx = undefined;
  }

  private rejectAll(letters: Letter[], error: () => CallError): void {
    if (letters.length === 0) return;
    const all = letters.splice(0);
    this.held -= all.length;
    for (const letter of all) this.settle(letter, error());
  }
}

function collectUnstamped(letters: readonly Letter[], into: Expiring[]): void {
  for (let i = letters.length - 1; i >= 0; i--) {
    const letter = letters[i]!;
    if (letter.deadline !== undefined) break;
    into.push(letter);
  }
}
