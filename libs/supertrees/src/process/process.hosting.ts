import { Injectable, Logger } from '@nestjs/common';
import { SupervisionTree } from '../discovery/supervision.tree.js';
import type { EventSink } from '../events/event.sink.js';
import { TreeHost } from '../runtime/tree.host.js';
import { countProcessChildren, type SupervisorNode } from '../tree/tree.types.js';
import { forkedSupervisorFactory } from './forked-supervisor.child.js';
import { ProcessPool } from './process.pool.js';
import { ProcessRegistry } from './process.registry.js';
import { ProcessVitalsBoard } from './process.vitals.js';

/**
 * Hosts the supervisors of this process: creates the {@link TreeHost} they share, and owns the
 * pool that forks the supervisor processes below them and the registry that kills those
 * processes if this one exits. The same provider serves the main process and every supervisor
 * process.
 */
@Injectable()
export class ProcessHosting {
  private readonly log = new Logger('Supervision');
  readonly registry = new ProcessRegistry();
  /** The supervisor processes below this one, as their heartbeats report them. */
  readonly vitals = new ProcessVitalsBoard();
  private pool?: ProcessPool;

  constructor(private readonly tree: SupervisionTree) {}

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
    return new TreeHost(sink, logger, instances, forkedSupervisorFactory(options.process, this.pool, this.vitals));
  }

  /** Ends the spare processes; the next host forks anew. */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.close();
  }
}
