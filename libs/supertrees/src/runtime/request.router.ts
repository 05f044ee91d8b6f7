import { NodeUnavailableError, RequestTimeoutError, UnknownOperationError } from '../errors/supervision-request.error.js';
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

  /**
   * `settlesInTime`: the handler's promise settles within the request's `timeoutMs` by itself, so
   * the router spares it a timer of its own (a call, whose mailbox enforces the same time limit).
   */
  register(op: string, handler: RequestHandler, options: { readonly settlesInTime?: boolean } = {}): void {
    if (this.handlers.has(op)) throw new Error(`request operation "${op}" is registered twice`);
    this.handlers.set(op, handler);
    if (options.settlesInTime) this.timed.add(op);
  }

  /** Settles within the request's timeout: with the handler's value, or its error, or a RequestTimeoutError. */
  dispatch(host: TreeHost | undefined, request: NodeRequest): Promise<unknown> {
    const { op, path, payload, timeoutMs } = request;
    if (!host) return Promise.reject(new NodeUnavailableError(op, path, 'stopped', 'the supervision tree is not running'));
    const remote = host.remoteFor(path);
    // The remote side keeps its own timer and rejects on its process's exit.
    if (remote) return remote.request(op, path, payload, timeoutMs);
    const handler = this.handlers.get(op);
    if (!handler) return Promise.reject(new UnknownOperationError(op, path));
    if (this.timed.has(op)) {
      try {
        return Promise.resolve(handler(request, host));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return withTimeout(() => handler(request, host), request);
  }
}

function withTimeout(run: () => unknown, { op, path, timeoutMs }: NodeRequest): Promise<unknown> {
  return new Promise<unknown>((resolve, reject) => {
    const timer = setTimeout(() => reject(new RequestTimeoutError(op, path, timeoutMs)), timeoutMs);
    new Promise<unknown>((r) => r(run())).then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
