import type { LoggerService } from '@nestjs/common';
import type { EventSink } from '../events/event.sink.js';
import type { SupervisedWorker } from '../interfaces/worker.interface.js';
import type { SupervisorNode, TreeNode } from '../tree/tree.types.js';
import { InProcessSupervisorChild } from './in-process-supervisor.child.js';
import { Mailboxes } from './mailboxes.js';
import type { RemoteEndpoint } from './request.router.js';
import type { SupervisedChild } from './supervised-child.js';
import type { RuntimeHost, SupervisorRuntime, WorkerCatalog } from './supervisor.runtime.js';
import { RestartScheduler, systemClock, type Clock } from './timers.js';
import type { LocalLeases } from './unit.leases.js';
import { WorkerChild, type WorkerMaker } from './worker.child.js';

/** Builds the adapter for a supervisor that runs in a forked process (the parent's side lives in process/). */
export type ForkedChildFactory = (node: SupervisorNode, host: TreeHost) => SupervisedChild & RemoteEndpoint;

/**
 * Everything the supervisors of one process share: where their events go, their logger, their
 * clock and restart scheduler, the worker instances Nest made, and how to fork a supervisor process.
 */
export class TreeHost implements RuntimeHost {
  readonly restarts: RestartScheduler;
  /** The handles on the supervisor processes this host forked, by the path of their supervisor. */
  private readonly remotes = new Map<string, RemoteEndpoint>();

  /** The running supervisors of this process, by path: what requests for them find. */
  private readonly runtimes = new Map<string, SupervisorRuntime>();

  constructor(
    readonly sink: EventSink,
    readonly logger: LoggerService | undefined,
    private readonly instances: ReadonlyMap<Function, unknown>,
    private readonly forkSupervisor: ForkedChildFactory,
    readonly clock: Clock = systemClock,
    /** The app's worker classes, and how to make a new instance of one with its dependencies (pools, dynamic children). */
    private readonly catalog?: WorkerCatalog & WorkerMaker,
    /** The callable workers' mailboxes: the process's own when given, so calls find them across tree restarts. */
    readonly mailboxes: Mailboxes = new Mailboxes(logger, clock),
    /** Cluster mode: the leases held in this process (the process's own, across tree restarts). */
    readonly leases?: LocalLeases,
  ) {
    this.restarts = new RestartScheduler(clock);
  }

  get workers(): WorkerCatalog | undefined {
    return this.catalog;
  }

  createChild(node: TreeNode): SupervisedChild {
    if (node.kind === 'worker') {
      const mailbox = node.callable ? this.mailboxes.for(node) : undefined;
      if (!node.callable) this.mailboxes.noteUncallable(node.path);
      const leases = this.leases;
      const leaseOf = leases ? () => leases.forPath(node.path) : undefined;
      if (node.ownInstance && this.catalog) return new WorkerChild(node, undefined, this.logger, mailbox, this.catalog, leaseOf);
      return new WorkerChild(node, this.instances.get(node.type) as SupervisedWorker, this.logger, mailbox, undefined, leaseOf);
    }
    if (node.isolation === 'none') return new InProcessSupervisorChild(node, this);
    const forked = this.forkSupervisor(node, this);
    // A restarted parent makes a new handle for the same path: the newest one is the live one.
    this.remotes.set(node.path, forked);
    return forked;
  }

  attach(runtime: SupervisorRuntime): void {
    this.runtimes.set(runtime.node.path, runtime);
  }

  detach(runtime: SupervisorRuntime): void {
    if (this.runtimes.get(runtime.node.path) === runtime) this.runtimes.delete(runtime.node.path);
  }

  /** The supervisor running at `path` in this process, if any. */
  runtimeAt(path: string): SupervisorRuntime | undefined {
    return this.runtimes.get(path);
  }

  /** A node left the tree (a deleted dynamic child, a pool member scaled away): calls to it are refused. */
  forget(node: TreeNode): void {
    if (node.kind === 'worker') this.mailboxes.delete(node.path);
  }

  /** The process below this one that hosts `path` (the deepest), if any; else `path` is hosted here. */
  remoteFor(path: string): RemoteEndpoint | undefined {
    if (this.remotes.size === 0) return undefined;
    for (let end = path.length; end > 0; end = path.lastIndexOf('/', end - 1)) {
      const remote = this.remotes.get(end === path.length ? path : path.slice(0, end));
      if (remote) return remote;
    }
    return undefined;
  }
}
