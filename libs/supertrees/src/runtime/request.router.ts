import { NodeUnavailableError, RequestTimeoutError, UnknownOperationError } from '../errors/supervision-request.error.js';
import { CallDeadlines, type Expiring } from './call.deadlines.js';
import { systemClock, type Clock } from './timers.js';
import type { TreeHost } from './tree.host.js';

/** A request for the node at `path`, named by its operation. */
export interface NodeRequest {
  readonly op: string;
  readonly path: string;
  readonly payload?: unknown;
  readonly timeoutMs: number;
}

/** Handles one operation in the process that hosts the node; what it returns is the reply (JSON data). */
export type RequestHandler = (request: NodeRequest, host: TreeHost) => unknown;

/** A process below this one that hosts a subtree: requests for paths inside it are sent on to it. */
export interface RemoteEndpoint {
  request(op: string, path: string, payload: unknown, timeoutMs: number): Promise<unknown>;
}

/**
 * Routes requests by path and operation: a path inside a supervisor that runs in a process below
 * goes on to that process (which routes it again, hop by hop); any other is handled here by the
 * handler its feature registered for the operation. The same router serves the main process and
 * every supervisor process, so a feature registers its operations once and they work in both.
 */
export class RequestRouter {
  private readonly handlers = new Map<string, RequestHandler>();
  /** Operations whose handler settles within the request's timeout by itself (calls: their mailbox's deadline). */
  private readonly timed = new Set<string>();
  /** The time limits of the requests handled here that are not `settlesInTime`: one timer for all. */
  private readonly deadlines: CallDeadlines;

  constructor(clock: Clock = systemClock) {
    this.deadlines = new CallDeadlines(clock);
  }

  /**
   * `settlesInTime`: the handler's promise settles within the request's `timeoutMs` by itself, so
   * the router spares it a timer of its own (a call, whose mailbox enforces the same time limit).
   */
  register(op: string, handler: RequestHandler, options: { readonly settlesInTime?: boolean } = {}): void {
    if (this.handlers.has(op)) throw new Error(`request operation "${op}" is registered twice`);
    this.handlers.set(op, handler);
    if (options.settlesInTime) this.timed.add(op);
  }

  /** The tree stopped: the timer of the time limits is cleared, unless a request still waits (it is still timed out). */
  releaseTimers(): void {
    this.deadlines.releaseIfIdle();
  }

  /** Settles within the request's timeout: with the handler's value, or its error, or a RequestTimeoutError. */
  dispatch(host: TreeHost | undefined, request: NodeRequest): Promise<unknown> {
    const { op, path } = request;
    if (!host) return Promise.reject(new NodeUnavailableError(op, path, 'stopped', 'the supervision tree is not running'));
    const remote = host.remoteFor(path);
    // The remote side keeps its own timer and rejects on its process's exit.
    if (remote) return remote.request(op, path, request.payload, request.timeoutMs);
    const handler = this.handlers.get(op);
    if (!handler) return Promise.reject(new UnknownOperationError(op, path));
    let result: unknown;
    try {
      result = handler(request, host);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.timed.has(op)) return Promise.resolve(result);
    const promise = new Promise<unknown>(capture);
    const timed = new TimedRequest(request, capturedResolve!, capturedReject!);
    this.deadlines.add(timed);
    Promise.resolve(result).then(timed.done, timed.failed);
    return promise;
  }
}

/** Where {@link capture} leaves the resolving functions of the promise it was the executor of. */
let capturedResolve: ((value: unknown) => void) | undefined;
let capturedReject: ((error: Error) => void) | undefined;
/** One executor for every timed request's promise: no closure allocated per request. */
const capture = (resolve: (value: unknown) => void, reject: (error: Error) => void): void => {
  capturedResolve = resolve;
  capturedReject = reject;
};

/**
 * A request whose handler is given its `timeoutMs` on the router's {@link CallDeadlines} (one
 * timer for all, rather than a timer per request: `startChild()` is one, and a dynamic
 * supervisor may be asked for 100 000): it settles with the handler's outcome or, at its
 * deadline, with RequestTimeoutError, whichever comes first.
 */
class TimedRequest implements Expiring {
  settled = false;
  deadline = Number.NaN;
  readonly timeoutMs: number;

  constructor(
    private readonly request: NodeRequest,
    private resolve: ((value: unknown) => void) | undefined,
    private reject: ((error: Error) => void) | undefined,
  ) {
    this.timeoutMs = request.timeoutMs;
  }

  readonly done = (value: unknown): void => {
    if (!this.settled) this.resolve!(value);
    this.end();
  };

  readonly failed = (error: unknown): void => {
    if (!this.settled) this.reject!(error as Error);
    this.end();
  };

  expire(): void {
    if (this.settled) return;
    const { op, path, timeoutMs } = this.request;
    this.reject!(new RequestTimeoutError(op, path, timeoutMs));
    this.end();
  }

  /** Settled: what it held is let go now, though the deadlines may list it until their next sweep. */
  private end(): void {
    this.settled = true;
    this.resolve = undefined;
    this.reject = undefined;
  }
}
