import { Injectable, type Type } from '@nestjs/common';
import { SupervisionTree } from './discovery/supervision.tree.js';
import { InvalidMessageError, NotCallableError, WorkerCrashedError, WorkerRestartingError, WorkerStoppedError } from './errors/call.errors.js';
import { InvalidOptionError } from './errors/supervision-config.error.js';
import { NodeUnavailableError } from './errors/supervision-request.error.js';
import { UnknownNodeError } from './errors/supervision-runtime.error.js';
import type { StopReason } from './events/supervision.events.js';
import type { CallOptions } from './interfaces/options.interface.js';
import { ProcessHosting } from './process/process.hosting.js';
import type { Mailbox } from './runtime/mailbox.js';
import type { NodeRequest } from './runtime/request.router.js';
import { checkData } from './shared/message.data.js';
import { DEFAULTS } from './shared/supervision.defaults.js';
import { MESSAGES } from './shared/supervision.messages.js';
import { walkTree, type SupervisorNode, type TreeNode, type WorkerNode } from './tree/tree.types.js';

/** The request operations calls and casts use on the channel to supervisor processes. */
export const CALL_OPS = { call: 'call', cast: 'cast' } as const;

/**
 * How much longer than a call's timeout the channel waits for the reply of another process, so
 * that the worker's own typed timeout (queued, handling, restarting) arrives first; past it the
 * caller gets the channel's `RequestTimeoutError` (a process that answers nothing at all).
 */
export const CALL_REPLY_MARGIN_MS = 250;

/** The payload of a `call` or `cast` request: the message, and the time it may take in the worker's process. */
interface CallPayload {
  readonly message: unknown;
  readonly timeoutMs: number;
}

/** A callable worker, as seen from this process: its node, and the supervisor processes on its way (outermost first). */
interface Target {
  readonly node: WorkerNode;
  readonly processes: readonly string[];
}

/**
 * Takes a call or cast to the worker it names: to its mailbox when the worker runs in this
 * process, else down the request channel to the supervisor process that runs it, where the same
 * router takes it to the mailbox. The lookup of a path already called is one map read.
 */
@Injectable()
export class CallRouter {
  private readonly pathOfClass = new Map<Function, string>();
  private readonly targets = new Map<string, Target>();

  constructor(
    private readonly tree: SupervisionTree,
    private readonly hosting: ProcessHosting,
  ) {
    hosting.router.register(CALL_OPS.call, (request) => this.deliver(request, 'call'));
    hosting.router.register(CALL_OPS.cast, (request) => this.deliver(request, 'cast'));
  }

  call(worker: Type<unknown> | string, message: unknown, options?: CallOptions): Promise<unknown> {
    try {
      const timeoutMs = callTimeout('call', options);
      const path = typeof worker === 'string' ? worker : this.classPath(worker);
      const mailbox = this.hosting.mailboxes.get(path);
      if (mailbox) return mailbox.call(message, timeoutMs);
      const target = this.target(path);
      if (target.processes.length === 0) return this.hosting.mailboxes.for(target.node).call(message, timeoutMs);
      return this.remote('call', target, message, timeoutMs);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  cast(worker: Type<unknown> | string, message: unknown, options?: CallOptions): Promise<void> {
    try {
      const timeoutMs = callTimeout('cast', options);
      const path = typeof worker === 'string' ? worker : this.classPath(worker);
      const mailbox = this.hosting.mailboxes.get(path);
      const target = mailbox ? undefined : this.target(path);
      if (!target || target.processes.length === 0) {
        (mailbox ?? this.hosting.mailboxes.for(target!.node)).cast(message, timeoutMs);
        return Promise.resolve();
      }
      return this.remote('cast', target, message, timeoutMs).then(() => undefined);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * A call or cast in another process. The message is checked here first, since JSON would drop
   * what is not data without a word. While the supervisor process on the way is not running
   * (restarting), the request is tried again until the timeout, as a local call waits for its
   * worker's restart.
   */
  private async remote(op: 'call' | 'cast', { node, processes }: Target, message: unknown, timeoutMs: number): Promise<unknown> {
    const problem = checkData(message, node.mailbox.maxMessageBytes, 'message');
    if (problem) throw new InvalidMessageError(node.path, problem.field, problem.problem);
    const deadline = performance.now() + timeoutMs;
    let pause = 5;
    for (;;) {
      const left = Math.ceil(deadline - performance.now());
      if (left <= 0) throw new WorkerRestartingError(node.path, timeoutMs);
      try {
        const payload: CallPayload = { message, timeoutMs: left };
        return await this.hosting.request({ op, path: node.path, payload, timeoutMs: left + CALL_REPLY_MARGIN_MS });
      } catch (error) {
        const outcome = unavailable(error, processes);
        if (outcome === 'crashed') throw new WorkerCrashedError(node.path, 'failed', { cause: error });
        if (outcome === 'stopped') throw new WorkerStoppedError(node.path);
        if (outcome !== 'retry') throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, Math.max(1, deadline - performance.now()))));
      pause = Math.min(pause * 2, 100);
    }
  }

  /** In the process that runs the worker: a request from above, to its mailbox. */
  private deliver({ path, payload }: NodeRequest, op: 'call' | 'cast'): Promise<unknown> {
    const { message, timeoutMs } = (payload ?? {}) as Partial<CallPayload>;
    if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) {
      return Promise.reject(new InvalidOptionError(`SupervisionService.${op}`, 'timeoutMs', `must be a positive number (got ${String(timeoutMs)})`));
    }
    try {
      const mailbox: Mailbox = this.hosting.mailboxes.get(path) ?? this.hosting.mailboxes.for(this.target(path).node);
      if (op === 'call') return mailbox.call(message, timeoutMs);
      mailbox.cast(message, timeoutMs);
      return Promise.resolve(null);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private classPath(type: Type<unknown>): string {
    let path = this.pathOfClass.get(type);
    if (path === undefined) {
      for (const node of walkTree(this.tree.root)) if (node.type === type) path = node.path;
      if (path === undefined) throw new UnknownNodeError(type.name);
      this.pathOfClass.set(type, path);
    }
    return path;
  }

  private target(path: string): Target {
    let target = this.targets.get(path);
    if (!target) {
      target = findTarget(this.tree.root, path);
      this.targets.set(path, target);
    }
    return target;
  }
}

/** The callable worker at `path` and the supervisor processes above it, or the typed error of why not. */
function findTarget(root: SupervisorNode, path: string): Target {
  const processes: string[] = [];
  let at: TreeNode = root;
  while (at.path !== path) {
    const next: TreeNode | undefined = at.kind === 'supervisor' ? at.children.find((c) => path.startsWith(`${c.path}/`) || c.path === path) : undefined;
    if (!next) throw new UnknownNodeError(path);
    if (next.kind === 'supervisor' && next.isolation === 'process') processes.push(next.path);
    at = next;
  }
  if (at.kind === 'supervisor') throw new NotCallableError(path, 'supervisor');
  if (!at.callable) throw new NotCallableError(path, 'no-handle');
  return { node: at, processes };
}

const COMES_BACK: readonly StopReason[] = ['strategy'];

/**
 * What a channel error means for a call: the process on the way is restarting (`retry`), it died
 * with the call (`crashed`), it is stopped for good (`stopped`), or something else (undefined).
 * The channel says which in its reason; the reasons are this library's own messages.
 */
function unavailable(error: unknown, processes: readonly string[]): 'retry' | 'crashed' | 'stopped' | undefined {
  if (!(error instanceof NodeUnavailableError)) return undefined;
  const reason = error.reason;
  for (const process of processes) {
    if (reason === MESSAGES.processNotRunning(process)) return 'retry';
    if (reason === MESSAGES.processExitedBeforeReply(process)) return 'crashed';
    for (const stop of ['shutdown', 'strategy', 'supervisor-gave-up', 'orphaned'] as const) {
      if (reason === MESSAGES.processStopped(process, stop)) return COMES_BACK.includes(stop) ? 'retry' : 'stopped';
    }
  }
  if (reason === 'its supervisor process is starting' || reason === 'its supervisor process is exiting') return 'retry';
  if (reason === 'the supervision tree is not running') return 'stopped';
  return undefined;
}

function callTimeout(method: 'call' | 'cast', options: CallOptions | undefined): number {
  const timeoutMs = options?.timeoutMs;
  if (timeoutMs === undefined) return DEFAULTS.callTimeoutMs;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
    throw new InvalidOptionError(`SupervisionService.${method}`, 'timeoutMs', `must be a positive finite number of ms (got ${String(timeoutMs)})`);
  }
  return timeoutMs;
}
