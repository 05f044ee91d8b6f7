import { Injectable, type Type } from '@nestjs/common';
import { SupervisionTree } from './discovery/supervision.tree.js';
import { InvalidMessageError, NotCallableError, WorkerCrashedError, WorkerRestartingError, WorkerStoppedError } from './errors/call.errors.js';
import { InvalidOptionError } from './errors/supervision-config.error.js';
import { NodeUnavailableError } from './errors/supervision-request.error.js';
import { UnknownNodeError } from './errors/supervision-runtime.error.js';
import type { CallOptions } from './interfaces/options.interface.js';
import { ProcessHosting } from './process/process.hosting.js';
import type { Mailbox } from './runtime/mailbox.js';
import { partitionOf, type PartitionKey } from './runtime/partition.js';
import type { NodeRequest } from './runtime/request.router.js';
import { checkData } from './shared/message.data.js';
import { DEFAULTS } from './shared/supervision.defaults.js';
import { walkTree, type SupervisorNode, type TreeNode, type WorkerNode } from './tree/tree.types.js';
import { SupervisionCluster } from './supervision.cluster.js';

/** The request operations calls and casts use on the channel to supervisor processes. */
export const CALL_OPS = { call: 'call', cast: 'cast' } as const;

/**
 * How much longer than a call's timeout the channel waits for the reply of another process, so
 * that the worker's own typed timeout (queued, handling, restarting) arrives first; past it the
 * caller gets the channel's `RequestTimeoutError` (a process that answers nothing at all).
 */
export const CALL_REPLY_MARGIN_MS = 250;

/** The payload of a `call` or `cast` request: the message, the time it may take in the worker's process, a pool's key. */
interface CallPayload {
  readonly message: unknown;
  readonly timeoutMs: number;
  readonly key?: PartitionKey;
}

/**
 * A callable worker or pool, as the static tree shows it from this process: its node (a pool's
 * members), and the supervisor processes on its way, outermost first. No node: a path inside a
 * supervisor process that the static tree does not know (a dynamic child): that process decides.
 */
interface Target {
  readonly node?: WorkerNode;
  readonly members?: readonly WorkerNode[];
  readonly processes: readonly string[];
}

/**
 * Takes a call or cast to the worker it names: to its mailbox when the worker runs in this
 * process, else down the request channel to the supervisor process that runs it, where the same
 * router takes it to the mailbox. A pool's path routes to one member, in the process that runs
 * the pool (where the members' loads are known). The lookup of a path already called is one map read.
 */
@Injectable()
export class CallRouter {
  private readonly pathOfClass = new Map<Function, string>();
  private readonly targets = new Map<string, Target>();

  constructor(
    private readonly tree: SupervisionTree,
    private readonly hosting: ProcessHosting,
    private readonly cluster: SupervisionCluster,
  ) {
    // The mailbox settles a call within its timeout (deadlines), and a cast at once: no router timer.
    hosting.router.register(CALL_OPS.call, (request) => this.deliver(request, 'call'), { settlesInTime: true });
    hosting.router.register(CALL_OPS.cast, (request) => this.deliver(request, 'cast'), { settlesInTime: true });
    // Cluster mode: a call another replica routed here, to a unit held here, goes on as a local one.
    cluster.useDispatch((kind, path, message, timeoutMs) => (kind === 'call' ? this.send(path, message, timeoutMs, undefined) : this.post(path, message, timeoutMs, undefined)));
  }

  call(worker: Type<unknown> | string, message: unknown, options?: CallOptions): Promise<unknown> {
    try {
      const timeoutMs = callTimeout('call', options);
      let key = callKey('call', options);
      let path = typeof worker === 'string' ? worker : this.classPath(worker);
      // Cluster mode: a placed node runs on the replica that holds its lease.
      const placed = this.cluster.placedTarget(path, key);
      if (placed) {
        if (!placed.local) return this.cluster.remote('call', placed, message, timeoutMs);
        if (placed.path !== path) [path, key] = [placed.path, undefined];
      }
      return this.send(path, message, timeoutMs, key);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** A call to `path` in this process or a supervisor process below (no cluster routing). */
  private send(path: string, message: unknown, timeoutMs: number, key: PartitionKey | undefined): Promise<unknown> {
    try {
      const mailbox = this.hosting.mailboxes.get(path) ?? this.localMailbox(path, key, false);
      if (mailbox) return mailbox.call(message, timeoutMs);
      return this.remote('call', path, message, timeoutMs, key);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** A cast to `path` in this process or a supervisor process below (no cluster routing). */
  private post(path: string, message: unknown, timeoutMs: number, key: PartitionKey | undefined): Promise<void> {
    try {
      const mailbox = this.hosting.mailboxes.get(path) ?? this.localMailbox(path, key, false);
      if (mailbox) {
        mailbox.cast(message, timeoutMs);
        return Promise.resolve();
      }
      return this.remote('cast', path, message, timeoutMs, key).then(() => undefined);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  cast(worker: Type<unknown> | string, message: unknown, options?: CallOptions): Promise<void> {
    try {
      const timeoutMs = callTimeout('cast', options);
      let key = callKey('cast', options);
      let path = typeof worker === 'string' ? worker : this.classPath(worker);
      const placed = this.cluster.placedTarget(path, key);
      if (placed) {
        if (!placed.local) return this.cluster.remote('cast', placed, message, timeoutMs).then(() => undefined);
        if (placed.path !== path) [path, key] = [placed.path, undefined];
      }
      return this.post(path, message, timeoutMs, key);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The mailbox in this process that takes a message for `path`: a pool member picked by key or
   * load, or the mailbox of a worker not started yet. Undefined when `path` runs in a process
   * below; throws the typed error when it is nothing callable. `here`: the caller knows the path
   * is hosted in this process (a request from above).
   */
  private localMailbox(path: string, key: PartitionKey | undefined, here: boolean): Mailbox | undefined {
    const mailboxes = this.hosting.mailboxes;
    const routed = mailboxes.route(path, key);
    if (routed) return routed;
    if (mailboxes.isUncallable(path)) throw new NotCallableError(path, 'no-handle');
    const target = this.target(path);
    if (target.processes.length > 0 && !here) return undefined;
    if (!target.node) throw new UnknownNodeError(path);
    const members = target.members;
    // A pool none of whose members started yet: the message waits at the member its key names.
    if (members) return mailboxes.for(members[key === undefined ? 0 : partitionOf(key, members.length)]!);
    return mailboxes.for(target.node);
  }

  /**
   * A call or cast in another process. The message is checked here first, since JSON would drop
   * what is not data without a word. While the supervisor process on the way is not running
   * (restarting), the request is tried again until the timeout, as a local call waits for its
   * worker's restart.
   */
  private async remote(op: 'call' | 'cast', path: string, message: unknown, timeoutMs: number, key: PartitionKey | undefined): Promise<unknown> {
    const { node } = this.target(path);
    // The size limit of a worker the static tree does not know is checked in its own process.
    const problem = checkData(message, node?.mailbox.maxMessageBytes ?? Number.POSITIVE_INFINITY, 'message');
    if (problem) throw new InvalidMessageError(path, problem.field, problem.problem);
    // One clock read for the first try (a system call on some machines, as dear as the rest of the sending).
    const deadline = performance.now() + timeoutMs;
    let pause = 5;
    for (let attempt = 0; ; attempt++) {
      const left = attempt === 0 ? timeoutMs : Math.ceil(deadline - performance.now());
      if (left <= 0) throw new WorkerRestartingError(path, timeoutMs);
      try {
        const payload: CallPayload = key === undefined ? { message, timeoutMs: left } : { message, timeoutMs: left, key };
        return await this.hosting.request({ op, path, payload, timeoutMs: left + CALL_REPLY_MARGIN_MS });
      } catch (error) {
        const outcome = unavailable(error);
        if (outcome === 'crashed') throw new WorkerCrashedError(path, 'failed', { cause: error });
        if (outcome === 'stopped') throw new WorkerStoppedError(path);
        if (outcome !== 'retry') throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, Math.max(1, deadline - performance.now()))));
      pause = Math.min(pause * 2, 100);
    }
  }

  /** In the process that runs the worker: a request from above, to its mailbox. */
  private deliver({ path, payload }: NodeRequest, op: 'call' | 'cast'): Promise<unknown> {
    const { message, timeoutMs, key } = (payload ?? {}) as Partial<CallPayload>;
    try {
      if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) {
        throw new InvalidOptionError(`SupervisionService.${op}`, 'timeoutMs', `must be a positive number (got ${String(timeoutMs)})`);
      }
      const checkedKey = callKey(op, { key });
      const mailbox = this.hosting.mailboxes.get(path) ?? this.localMailbox(path, checkedKey, true)!;
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
      for (const node of walkTree(this.tree.root)) {
        if (node.type !== type) continue;
        // A pool's class names the pool, not one member.
        path = node.kind === 'worker' && node.pool !== undefined ? node.pool : node.path;
        break;
      }
      if (path === undefined) throw new UnknownNodeError(type.name);
      this.pathOfClass.set(type, path);
    }
    return path;
  }

  private target(path: string): Target {
    let target = this.targets.get(path);
    if (!target) {
      target = findTarget(this.tree.root, path);
      // A path the static tree does not know is not cached: dynamic children come and go.
      if (target.node) this.targets.set(path, target);
    }
    return target;
  }
}

/** The callable worker or pool at `path` and the supervisor processes above it, or the typed error of why not. */
function findTarget(root: SupervisorNode, path: string): Target {
  const processes: string[] = [];
  let at: TreeNode = root;
  while (at.path !== path) {
    const children: readonly TreeNode[] = at.kind === 'supervisor' ? at.children : [];
    const members = children.filter((c): c is WorkerNode => c.kind === 'worker' && c.pool === path);
    if (members.length > 0) {
      if (!members[0]!.callable) throw new NotCallableError(path, 'no-handle');
      return { node: members[0]!, members, processes };
    }
    const next: TreeNode | undefined = children.find((c) => c.path === path || path.startsWith(`${c.path}/`));
    if (!next) {
      // Inside a supervisor process, a path the static tree lacks may be a dynamic child there.
      if (processes.length > 0 && path.startsWith(`${processes.at(-1)!}/`)) return { processes };
      throw new UnknownNodeError(path);
    }
    if (next.kind === 'supervisor' && next.isolation === 'process') processes.push(next.path);
    at = next;
  }
  if (at.kind === 'supervisor') throw new NotCallableError(path, 'supervisor');
  if (!at.callable) throw new NotCallableError(path, 'no-handle');
  return { node: at, processes };
}

/**
 * What a channel error means for a call: the process on the way is starting or restarting
 * (`retry`), it died with the call (`crashed`), it is stopped for good (`stopped`), or something
 * else (undefined). The channel says which in the error's `code`.
 */
function unavailable(error: unknown): 'retry' | 'crashed' | 'stopped' | undefined {
  if (!(error instanceof NodeUnavailableError)) return undefined;
  switch (error.code) {
    case 'starting':
    case 'restarting':
    case 'stopping':
      return 'retry';
    case 'exited':
      return 'crashed';
    case 'stopped':
      return 'stopped';
    default:
      return undefined;
  }
}

function callKey(method: 'call' | 'cast', options: CallOptions | undefined): PartitionKey | undefined {
  const key = options?.key;
  if (key === undefined || typeof key === 'string' || (typeof key === 'number' && Number.isFinite(key))) return key;
  throw new InvalidOptionError(`SupervisionService.${method}`, 'key', `must be a string or a finite number (got ${String(key)})`);
}

function callTimeout(method: 'call' | 'cast', options: CallOptions | undefined): number {
  const timeoutMs = options?.timeoutMs;
  if (timeoutMs === undefined) return DEFAULTS.callTimeoutMs;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
    throw new InvalidOptionError(`SupervisionService.${method}`, 'timeoutMs', `must be a positive finite number of ms (got ${String(timeoutMs)})`);
  }
  return timeoutMs;
}
