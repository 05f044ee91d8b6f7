import { Injectable, Logger } from '@nestjs/common';
import { SupervisionTree } from '../discovery/supervision.tree.js';
import type { EventSink } from '../events/event.sink.js';
import { registerChildControl } from '../runtime/child-control.ops.js';
import { RequestRouter, type NodeRequest } from '../runtime/request.router.js';
import { TreeHost } from '../runtime/tree.host.js';
import { countProcessChildren, type SupervisorNode } from '../tree/tree.types.js';
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
  /** Features register the operations they handle here, once; requests reach them in any process. */
  readonly router = new RequestRouter();
  /** The supervisor processes below this one, as their heartbeats report them. */
  readonly vitals = new ProcessVitalsBoard();
  private pool?: ProcessPool;
  private host?: TreeHost;

  constructor(private readonly tree: SupervisionTree) {
    registerChildControl(this.router);
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
    this.host = new TreeHost(sink, logger, instances, forkedSupervisorFactory(options.process, this.pool, this.vitals), undefined, {
      byName: (name) => tree.worker(name),
      create: (type) => tree.createWorker(type),
    });
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

  /** Ends the spare processes; the next host forks anew. */
  async close(): Promise<void> {
    this.host = undefined;
    const pool = this.pool;
    this.pool = undefined;
    await pool?.close();
  }
}
