import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { SupervisionEventBus } from './events/event.bus.js';
import { EventStamper } from './events/event.stamper.js';
import { SnapshotStore } from './events/snapshot.js';
import { toErrorInfo, type EventInput } from './events/supervision.events.js';
import type { SupervisionModuleOptions } from './interfaces/options.interface.js';
import { isSupervisorProcess } from './process/process.role.js';
import { forkSupervisorFactory } from './process/process-supervisor.child.js';
import { ProcessPool } from './process/process.pool.js';
import { ProcessRegistry } from './process/process.registry.js';
import type { SupervisorGaveUpError } from './errors/supervision-runtime.error.js';
import { SupervisorRuntime, type EventRelay } from './runtime/supervisor.runtime.js';
import { TreeHost } from './runtime/tree.host.js';
import { resolveModuleOptions, type ResolvedModuleOptions } from './supervision.defaults.js';
import { MESSAGES } from './supervision.messages.js';
import { SupervisionExplorer, type Discovery } from './supervision.explorer.js';
import { SUPERVISION_OPTIONS } from './supervision.module-definition.js';
import { validateModuleOptions } from './tree/options.validator.js';
import { buildTree } from './tree/tree.builder.js';
import { countProcessChildren, type SupervisorNode } from './tree/tree.types.js';

/**
 * Holds the tree from discovery to shutdown: builds and checks it in `onModuleInit` (so a bad
 * configuration fails `app.init()` before anything starts), starts it at bootstrap, and stops it
 * in `onModuleDestroy`, before other modules close what the workers use.
 */
@Injectable()
export class SupervisionOrchestrator implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger('Supervision');
  private readonly stamper = new EventStamper();
  private built?: { options: ResolvedModuleOptions; tree: SupervisorNode; discovery: Discovery };
  private runtime?: SupervisorRuntime;
  private store?: SnapshotStore;
  private starting?: Promise<void>;
  private stopping?: Promise<void>;
  readonly processes = new ProcessRegistry();
  private pool?: ProcessPool;

  constructor(
    @Inject(SUPERVISION_OPTIONS) private readonly rawOptions: SupervisionModuleOptions,
    private readonly explorer: SupervisionExplorer,
    private readonly bus: SupervisionEventBus,
  ) {}

  onModuleInit(): void {
    validateModuleOptions(this.rawOptions);
    const options = resolveModuleOptions(this.rawOptions);
    const discovery = this.explorer.explore();
    const tree = buildTree(discovery.classes, options);
    this.built = { options, tree, discovery };
    this.store = new SnapshotStore(tree);
    this.bus.attach(this.store);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (isSupervisorProcess()) return;
    if (this.build().options.autoStart) await this.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
    this.bus.complete();
  }

  get tree(): SupervisorNode {
    return this.build().tree;
  }

  get options(): ResolvedModuleOptions {
    return this.build().options;
  }

  /**
   * A host for the supervisors this process runs, from `localRoot` down to the next process
   * boundaries: their own events go to `emit`, their process children's to `relay`. The processes
   * those children need are forked at once, in parallel.
   */
  createHost(localRoot: SupervisorNode, emit: (event: EventInput) => void, relay: EventRelay): TreeHost {
    const { options, discovery } = this.build();
    const logger = options.logging ? this.log : undefined;
    this.pool ??= new ProcessPool(options.process, this.processes, logger);
    const forks = countProcessChildren(localRoot);
    if (forks > 0) this.pool.prewarm(forks);
    return new TreeHost(emit, relay, logger, discovery.instances, forkSupervisorFactory(options.process, this.pool));
  }

  /** The host of the main process: everything ends up in the one event stream and snapshot. */
  private createMainHost(): TreeHost {
    return this.createHost(this.build().tree, (event) => this.emitMain(event), {
      event: (event) => this.bus.publish(event),
      snapshot: (root) => this.store?.merge(root),
    });
  }

  /**
   * Starts the tree (done at bootstrap unless `autoStart: false`). Resolves when the start sequence
   * is done: every child is running or, if it failed to start, waiting for its restart. A tree
   * that was stopped can be started again.
   */
  start(): Promise<void> {
    this.starting ??= (async () => {
      await this.stopping;
      this.stopping = undefined;
      const tree = this.build().tree;
      const host = this.createMainHost();
      const runtime = new SupervisorRuntime(tree, host);
      runtime.onGiveUp = (error) => this.treeFailed(error);
      this.runtime = runtime;
      host.emit({ type: 'starting', path: tree.path, kind: 'supervisor', attempt: 0 });
      await runtime.start();
      if (this.runtime === runtime && !this.stopping) host.emit({ type: 'started', path: tree.path, kind: 'supervisor', attempt: 0 });
    })();
    return this.starting;
  }

  /** Stops the whole tree, children in reverse start order, every process included. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const release = this.processes.killOnSignalDuring();
      try {
        const runtime = this.runtime;
        this.runtime = undefined;
        this.starting = undefined;
        if (runtime) {
          const tree = this.build().tree;
          this.emitMain({ type: 'stopping', path: tree.path, kind: 'supervisor', reason: 'shutdown' });
          await runtime.stop('shutdown');
          this.emitMain({ type: 'stopped', path: tree.path, kind: 'supervisor', reason: 'shutdown', timedOut: false });
        }
        await this.pool?.close();
        this.pool = undefined;
      } finally {
        release();
      }
    })();
    return this.stopping;
  }

  private emitMain(event: EventInput): void {
    this.bus.publish(this.stamper.stamp(event));
  }

  private treeFailed(error: SupervisorGaveUpError): void {
    const { tree, options } = this.build();
    this.emitMain({ type: 'tree-failed', path: tree.path, kind: 'supervisor', error: toErrorInfo(error) });
    if (options.logging) this.log.error(`the supervision tree failed: ${error.message}`, error.stack);
    // The tree has already stopped. SIGTERM lets an app with enableShutdownHooks() close the rest
    // gracefully; without them, SIGTERM's default ends the process.
    if (options.onTreeFailure === 'shutdown') process.kill(process.pid, 'SIGTERM');
  }

  private build(): NonNullable<typeof this.built> {
    if (!this.built) throw new Error(MESSAGES.notStarted());
    return this.built;
  }
}
