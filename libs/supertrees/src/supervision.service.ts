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
import { walkTree } from './tree/tree.types.js';

/** The tree at run time: its events, its state, and manual start and stop. Inject it anywhere. */
@Injectable()
export class SupervisionService {
  constructor(
    private readonly bus: SupervisionEventBus,
    private readonly store: SnapshotStore,
    private readonly tree: SupervisionTree,
    private readonly orchestrator: SupervisionOrchestrator,
    private readonly hosting: ProcessHosting,
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

  /** Stops the whole tree (also done when the application closes). */
  stop(): Promise<void> {
    return this.orchestrator.stop();
  }
}
