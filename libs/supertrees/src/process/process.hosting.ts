import { Injectable, Logger } from '@nestjs/common';
import { SupervisionTree } from '../discovery/supervision.tree.js';
import type { EventSink } from '../events/event.sink.js';
import { Mailboxes } from '../runtime/mailboxes.js';
import { systemClock } from '../runtime/timers.js';
import { registerChildControl } from '../runtime/child-control.ops.js';
import { registerPlacement } from '../runtime/placement.ops.js';
import { LocalLeases } from '../runtime/unit.leases.js';
import { RequestRouter, type NodeRequest } from '../runtime/request.router.js';
import { TreeHost } from '../runtime/tree.host.js';
import { countProcessChildren, parentPath, type SupervisorNode } from '../tree/tree.types.js';
import { forkedSupervisorFactory } from './forked-supervisor.child.js';
import { ProcessPool } from './process.pool.js';
import { ProcessRegistry } from './process.registry.js';
import { ProcessVitalsBoard } from './process.vitals.js';

/**
 * Hosts the supervisors of this process: creates the {@link TreeHost} they share, and owns the
 * pool that forks the supervisor processes below them and the registry that kills those
 * processes if this one exits; and routes the requests for nodes (commands, calls) to the process
 * that hosts each. The same provider serves the main process and every supervisor process.
 */
@Injectable()
export class ProcessHosting {
  private readonly log = new Logger('Supervision');
  readonly registry = new ProcessRegistry();
  /** The supervisor processes below this one, as their heartbeats report them. */
  readonly vitals = new ProcessVitalsBoard();
  /** Features register the operations they handle here, once; requests reach them in any process. */
  readonly router = new RequestRouter();
  private pool?: ProcessPool;
  private ownMailboxes?: Mailboxes;
  private host?: TreeHost;
  private ownLeases?: LocalLeases;
  /**
   * Cluster mode, in a supervisor process: what to do when the lease of this process's own
   * supervisor (or of a placed ancestor) runs out here: stop the subtree. Set by the process's runner.
   */
  onOwnLeaseExpired?: (unit: string) => void;

  constructor(private readonly tree: SupervisionTree) {
    registerChildControl(this.router);
    registerPlacement(this.router);
  }

  /** Cluster mode: the leases of the placed nodes this process runs (or runs below a placed ancestor). Undefined without cluster mode. */
  get leases(): LocalLeases | undefined {
    if (!this.tree.options.clustered) return undefined;
    this.ownLeases ??= new LocalLeases(systemClock, (unit) => this.leaseExpired(unit));
    return this.ownLeases;
  }

  /** A lease's deadline passed here with no renewal: the placed node stops on this process's own clock. */
  private leaseExpired(unit: string): void {
    const runtime = this.host?.runtimeAt(parentPath(unit));
    if (runtime?.hasChild(unit)) {
      this.log.warn(`${unit}: its lease ran out before a renewal reached this process; stopped (lease-lost)`);
      void runtime.stopUnit(unit, 'lease-lost');
    } else this.onOwnLeaseExpired?.(unit);
  }

  /** The mailboxes of the callable workers this process runs, across tree restarts: calls find them here. */
  get mailboxes(): Mailboxes {
    this.ownMailboxes ??= new Mailboxes(this.tree.options.logging ? this.log : undefined);
    return this.ownMailboxes;
  }

  /**
   * A host for the supervisors this process runs, from `localRoot` down to the next process
   * boundaries, whose events go to `sink`. The processes its process children need are forked
   * at once, in parallel.
   */
  createHost(localRoot: SupervisorNode, sink: EventSink): TreeHost {
    const { options, instances } = this.tree;
    const logger = options.logging ? this.log : undefined;
    this.pool ??= new ProcessPool(options.process, this.registry, logger);
    const forks = countProcessChildren(localRoot);
    if (forks > 0) this.pool.prewarm(forks);
    const tree = this.tree;
    this.host = new TreeHost(
      sink,
      logger,
      instances,
      forkedSupervisorFactory(options.process, this.pool, this.vitals),
      undefined,
      { byName: (name) => tree.worker(name), create: (type) => tree.createWorker(type) },
      this.mailboxes,
      this.leases,
    );
    return this.host;
  }

  /**
   * Handles `request` for the node at its path: here, or in the supervisor process below that hosts
   * it. Settles within its timeout; rejects with a typed error (NodeUnavailableError when the tree
   * or that process is not running).
   */
  request(request: NodeRequest): Promise<unknown> {
    return this.router.dispatch(this.host, request);
  }

  /** Refuses the calls still waiting and ends the spare processes; the next host forks anew. */
  async close(): Promise<void> {
    this.ownMailboxes?.close();
    this.router.releaseTimers();
    this.host = undefined;
    const pool = this.pool;
    this.pool = undefined;
    await pool?.close();
  }
}
