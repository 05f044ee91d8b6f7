import { Injectable, type Type } from '@nestjs/common';
import { asapScheduler, auditTime, defer, map, merge, of, type Observable } from 'rxjs';
import { SupervisionEventBus } from './events/event.bus.js';
import { ofPath } from './events/event.operators.js';
import { SnapshotStore, type NodeSnapshot } from './events/snapshot.js';
import type { SupervisionEvent } from './events/supervision.events.js';
import { UnknownNodeError } from './errors/supervision-runtime.error.js';
import { SupervisionTree } from './discovery/supervision.tree.js';
import { SupervisionOrchestrator } from './supervision.orchestrator.js';
import { CallRouter } from './call.router.js';
import type { CallOptions } from './interfaces/options.interface.js';
import { walkTree } from './tree/tree.types.js';

/** The tree at run time: its events, its state, and manual start and stop. Inject it anywhere. */
@Injectable()
export class SupervisionService {
  constructor(
    private readonly bus: SupervisionEventBus,
    private readonly store: SnapshotStore,
    private readonly tree: SupervisionTree,
    private readonly orchestrator: SupervisionOrchestrator,
    private readonly calls: CallRouter,
  ) {}

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
    for (const n of walkTree(this.tree.root)) if (n.type === node) return n.path;
    throw new UnknownNodeError(node.name);
  }

  /** The whole tree now, across processes: per node its state, restarts, last error, start time and pid. */
  snapshot(): NodeSnapshot {
    return this.store.snapshot();
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
}
