import { Injectable, type Type } from '@nestjs/common';
import { asapScheduler, auditTime, defer, map, merge, of, type Observable } from 'rxjs';
import { SupervisionEventBus } from './events/event.bus.js';
import { ofPath } from './events/event.operators.js';
import { SnapshotStore, type NodeSnapshot, type NodeState } from './events/snapshot.js';
import type { SupervisionEvent } from './events/supervision.events.js';
import { UnknownNodeError } from './errors/supervision-runtime.error.js';
import { SupervisionTree } from './discovery/supervision.tree.js';
import { ProcessHosting } from './process/process.hosting.js';
import type { SupervisorProcessStatus } from './process/process.vitals.js';
import { SupervisionOrchestrator } from './supervision.orchestrator.js';
import { CallRouter } from './call.router.js';
import { SupervisionCluster, type ClusterApi } from './supervision.cluster.js';
import type { CallOptions } from './interfaces/options.interface.js';
import { parentPath, walkTree, type SupervisorNode } from './tree/tree.types.js';
import { InvalidChildSpecError, NotAPoolError, NotASupervisorError, NotAWorkerError, NotDynamicError } from './errors/child-control.error.js';
import type { DynamicChildSpec } from './interfaces/options.interface.js';
import { CHILD_CONTROL_OPS as OPS } from './runtime/child-control.ops.js';
import type { ChildCounts, ChildInfo } from './runtime/supervisor.runtime.js';
import { DEFAULTS } from './shared/supervision.defaults.js';
import { validateDynamicSpec } from './tree/dynamic-child.js';
import { describe as describeValue } from './tree/options.validator.js';

/** Options of a command (`startChild`, `terminateChild`, ...). */
export interface CommandOptions {
  /** How long to wait for the command's reply, in ms; then it rejects with RequestTimeoutError. Default 30 000. */
  timeoutMs?: number;
}

/** What `startChild()` resolves with: the new child's path and id. */
export interface ChildRef {
  readonly path: string;
  readonly id: string;
}

/** The tree at run time: its events, its state, and manual start and stop. Inject it anywhere. */
@Injectable()
export class SupervisionService {
  constructor(
    private readonly bus: SupervisionEventBus,
    private readonly store: SnapshotStore,
    private readonly tree: SupervisionTree,
    private readonly orchestrator: SupervisionOrchestrator,
    private readonly hosting: ProcessHosting,
    private readonly calls: CallRouter,
    private readonly clustering: SupervisionCluster,
  ) {}

  /**
   * Cluster mode (`forRoot({ cluster })`): this replica's member id, the cluster view (members, leases
   * with holder, token and expiry), this replica's placed units, and lease and membership events.
   * Undefined without cluster mode (and in supervisor processes).
   */
  get cluster(): ClusterApi | undefined {
    return this.clustering.api;
  }

  /**
   * Every lifecycle event of the tree, from every process, as it happens (hot: no replay).
   * Completes when the application closes.
   */
  get events$(): Observable<SupervisionEvent> {
    return this.bus.events$;
  }

  /** The events of one node, given by its class or its path; with `subtree`, of its descendants too. */
  eventsOf(node: Type<unknown> | string, options: { subtree?: boolean } = {}): Observable<SupervisionEvent> {
    return this.bus.events$.pipe(ofPath(this.pathOf(node), options));
  }

  /** The path of a worker or supervisor class in the tree (`root/…/Name`). */
  pathOf(node: Type<unknown> | string): string {
    if (typeof node === 'string') return node;
    if (typeof node !== 'function') throw new UnknownNodeError(describeValue(node));
    const found = this.tree.nodeOfType(node);
    if (!found) throw new UnknownNodeError(node.name);
    return found.path;
  }

  /** The whole tree now, across processes: per node its state, restarts, last error, start time and pid. */
  snapshot(): NodeSnapshot {
    return this.store.snapshot();
  }

  /**
   * Where the tree as a whole is: the root's state. `'running'` once its start sequence is done,
   * `'stopping'` from the first step of a stop (before any child stops), `'failed'` after the root
   * gave up; `'idle'` before the start (with `autoStart: false`, or before bootstrap).
   */
  get status(): NodeState {
    try {
      return this.store.snapshot().state;
    } catch {
      return 'idle'; // before the tree is built
    }
  }

  /**
   * Every supervisor process of the tree, at any depth, as its heartbeats report it: pid, silence
   * and missed heartbeats, memory and event-loop delay. A process is listed from its `started` until
   * it ends. Processes below the first level are reported through their parents' heartbeats, so
   * their figures are up to one `heartbeatIntervalMs` per level older.
   */
  processes(): SupervisorProcessStatus[] {
    const interval = this.tree.options.process.heartbeatIntervalMs;
    return this.hosting.vitals.list().map((p) => ({ ...p, missedHeartbeats: Math.floor(p.silentForMs / interval) }));
  }

  /** The snapshot now, then again after changes (at most once per turn of the event loop). Completes at shutdown. */
  get snapshot$(): Observable<NodeSnapshot> {
    return defer(() =>
      merge(of(undefined), this.bus.events$.pipe(auditTime(0, asapScheduler))).pipe(map(() => this.snapshot())),
    );
  }

  /**
   * Starts the tree, for `forRoot({ autoStart: false })` or after `stop()`. Resolves when the start
   * sequence is done: each child is running, or waiting for a restart if it failed to start.
   */
  start(): Promise<void> {
    return this.orchestrator.start();
  }

  /**
   * Sends `message` to a worker's `handle(message, ctx)` and resolves with what it returned. The
   * worker is given by class or path, in this process or any supervisor process. Rejects with a
   * `CallError` subclass that says why there is no reply (see the README's Calls section); never
   * waits past `timeoutMs` (default 5 000).
   */
  call<R = unknown>(worker: Type<unknown> | string, message: unknown, options?: CallOptions): Promise<R> {
    return this.calls.call(worker, message, options) as Promise<R>;
  }

  /**
   * Delivers `message` to a worker's `handle()` without waiting for it to be handled: resolves once
   * the mailbox took it; rejects as `call` would before delivery. What happens to it later (a throw
   * of `handle()`, a crash before its turn, its `timeoutMs` passing in the mailbox) is logged.
   */
  cast(worker: Type<unknown> | string, message: unknown, options?: CallOptions): Promise<void> {
    return this.calls.cast(worker, message, options);
  }

  /** Stops the whole tree (also done when the application closes). */
  stop(): Promise<void> {
    return this.orchestrator.stop();
  }

  /**
   * Starts a child of the dynamic supervisor `supervisor` (class or path): its own instance of
   * `worker`, with its dependencies injected, in whatever process that supervisor runs. Resolves
   * once its `init()` resolved and `run()` began, with its path (`…/TenantWorker:acme`) and id.
   * Rejects with UnknownNodeError, NotDynamicError, NotAWorkerError, InvalidChildSpecError (naming
   * the field, e.g. `args.when` for a Date), ChildIdTakenError, MaxChildrenError, ChildStartError
   * (its `init()` failed; `cause` is that error; no child is left behind), NodeUnavailableError or
   * RequestTimeoutError.
   */
  startChild<TArgs = unknown>(
    supervisor: Type<unknown> | string,
    worker: Type<unknown>,
    spec: DynamicChildSpec<TArgs>,
    options: CommandOptions = {},
  ): Promise<ChildRef> {
    // Not an async function: one promise less per child (a dynamic supervisor may start 100 000); a throw is still a rejection.
    try {
      const node = this.supervisorNode(supervisor);
      if (!node.dynamic) throw new NotDynamicError(node.path);
      const name = typeof worker === 'function' ? worker.name : describeValue(worker);
      if (typeof worker !== 'function' || this.tree.worker(worker.name)?.type !== worker) throw new NotAWorkerError(name);
      validateDynamicSpec(spec);
      return this.command(OPS.startChild, node.path, { worker: name, ...spec }, options) as Promise<ChildRef>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Stops the child at `path` (class or path) and keeps it stopped: neither its restart policy nor
   * its supervisor's strategy restarts it until `restartChild()`. Resolves once it stopped; a
   * terminated child stays terminated (idempotent).
   */
  async terminateChild(path: Type<unknown> | string, options: CommandOptions = {}): Promise<void> {
    const child = this.pathOf(path);
    await this.command(OPS.terminateChild, this.parentOf(child), { child }, options);
  }

  /** Starts a terminated child again; resolves once it runs. ChildStateError if it was not terminated. */
  async restartChild(path: Type<unknown> | string, options: CommandOptions = {}): Promise<void> {
    const child = this.pathOf(path);
    await this.command(OPS.restartChild, this.parentOf(child), { child }, options);
  }

  /** Removes a dynamic child (stopping it first) or a terminated static one from its supervisor. */
  async deleteChild(path: Type<unknown> | string, options: CommandOptions = {}): Promise<void> {
    const child = this.pathOf(path);
    await this.command(OPS.deleteChild, this.parentOf(child), { child }, options);
  }

  /** The children of `supervisor` now, in start order, as that supervisor sees them (OTP's `which_children`). */
  async whichChildren(supervisor: Type<unknown> | string, options: CommandOptions = {}): Promise<ChildInfo[]> {
    return (await this.command(OPS.whichChildren, this.supervisorNode(supervisor).path, undefined, options)) as ChildInfo[];
  }

  /** How many children `supervisor` has, running, and of each kind (OTP's `count_children`). */
  async countChildren(supervisor: Type<unknown> | string, options: CommandOptions = {}): Promise<ChildCounts> {
    return (await this.command(OPS.countChildren, this.supervisorNode(supervisor).path, undefined, options)) as ChildCounts;
  }

  /**
   * Runs `n` members of a pool (`@Worker({ instances })`, by class or path `…/PoolWorker`): starts
   * the missing ones (`#before` to `#n-1`), or stops and removes the highest first. Resolves once done.
   */
  async scale(pool: Type<unknown> | string, n: number, options: CommandOptions = {}): Promise<{ before: number; after: number }> {
    if (!Number.isInteger(n) || n < 0) throw new InvalidChildSpecError('n', `must be a whole number, 0 or more (got ${describeValue(n)})`);
    const path = this.poolPath(pool);
    return (await this.command(OPS.scale, parentPath(path), { pool: path, n }, options)) as { before: number; after: number };
  }

  private command(op: string, path: string, payload: unknown, options: CommandOptions): Promise<unknown> {
    const timeoutMs = options.timeoutMs ?? DEFAULTS.commandTimeoutMs;
    if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
      return Promise.reject(new InvalidChildSpecError('timeoutMs', `must be a positive number of ms (got ${describeValue(timeoutMs)})`));
    }
    return this.hosting.request({ op, path, payload, timeoutMs });
  }

  private supervisorNode(supervisor: Type<unknown> | string): SupervisorNode {
    const path = this.pathOf(supervisor);
    const node = this.tree.nodeAt(path);
    if (!node) throw new UnknownNodeError(path);
    if (node.kind !== 'supervisor') throw new NotASupervisorError(path);
    return node;
  }

  /** The supervisor of `child`, which must be a supervisor of the tree (every supervisor is declared). */
  private parentOf(child: string): string {
    const parent = parentPath(child);
    const node = parent ? this.tree.nodeAt(parent) : undefined;
    if (!node || node.kind !== 'supervisor') throw new UnknownNodeError(child);
    return parent;
  }

  private poolPath(pool: Type<unknown> | string): string {
    for (const node of walkTree(this.tree.root)) {
      if (node.kind !== 'worker') continue;
      if (typeof pool === 'string' ? node.pool === pool : node.type === pool && node.pool !== undefined) return node.pool!;
    }
    const path = this.pathOf(pool);
    if (!this.tree.nodeAt(path)) throw new UnknownNodeError(path);
    throw new NotAPoolError(path);
  }
}
