import type { LoggerService } from '@nestjs/common';
import type { EventSink } from '../events/event.sink.js';
import type { SupervisedWorker } from '../interfaces/worker.interface.js';
import type { SupervisorNode, TreeNode } from '../tree/tree.types.js';
import { InProcessSupervisorChild } from './in-process-supervisor.child.js';
import { Mailboxes } from './mailboxes.js';
import type { SupervisedChild } from './supervised-child.js';
import type { RuntimeHost } from './supervisor.runtime.js';
import { RestartScheduler, systemClock, type Clock } from './timers.js';
import { WorkerChild } from './worker.child.js';

/** Builds the adapter for a supervisor that runs in a forked process (the parent's side lives in process/). */
export type ForkedChildFactory = (node: SupervisorNode, host: RuntimeHost) => SupervisedChild;

/**
 * Everything the supervisors of one process share: where their events go, their logger, their
 * clock and restart scheduler, the worker instances Nest made, and how to fork a supervisor process.
 */
export class TreeHost implements RuntimeHost {
  readonly restarts: RestartScheduler;

  constructor(
    readonly sink: EventSink,
    readonly logger: LoggerService | undefined,
    private readonly instances: ReadonlyMap<Function, unknown>,
    private readonly forkSupervisor: ForkedChildFactory,
    readonly clock: Clock = systemClock,
    /** The callable workers' mailboxes: the process's own when given, so calls find them across tree restarts. */
    readonly mailboxes: Mailboxes = new Mailboxes(logger, clock),
  ) {
    this.restarts = new RestartScheduler(clock);
  }

  createChild(node: TreeNode): SupervisedChild {
    if (node.kind === 'worker') {
      const mailbox = node.callable ? this.mailboxes.for(node) : undefined;
      return new WorkerChild(node, this.instances.get(node.type) as SupervisedWorker, this.logger, mailbox);
    }
    if (node.isolation === 'none') return new InProcessSupervisorChild(node, this);
    return this.forkSupervisor(node, this);
  }
}
