import type { LoggerService } from '@nestjs/common';
import type { EventInput } from '../events/supervision.events.js';
import type { SupervisedWorker } from '../interfaces/worker.interface.js';
import type { TreeNode } from '../tree/tree.types.js';
import type { SupervisedChild } from './child.js';
import { InProcessSupervisorChild } from './supervisor.child.js';
import type { EventRelay, RuntimeHost } from './supervisor.runtime.js';
import { WorkerChild } from './worker.child.js';

/** Builds the adapter for a supervisor that runs in its own process (see process/). */
export type ProcessChildFactory = (node: TreeNode & { kind: 'supervisor' }, host: RuntimeHost) => SupervisedChild;

/**
 * Everything the supervisors of one process share: where their events go, their logger, the
 * worker instances Nest made, and how to fork a supervisor process.
 */
export class TreeHost implements RuntimeHost {
  constructor(
    readonly emit: (event: EventInput) => void,
    readonly relay: EventRelay,
    readonly logger: LoggerService | undefined,
    private readonly instances: ReadonlyMap<Function, unknown>,
    private readonly forkSupervisor: ProcessChildFactory,
  ) {}

  createChild(node: TreeNode): SupervisedChild {
    if (node.kind === 'worker') {
      return new WorkerChild(node, this.instances.get(node.type) as SupervisedWorker, this.logger);
    }
    if (node.isolation === 'none') return new InProcessSupervisorChild(node, this);
    return this.forkSupervisor(node, this);
  }
}
