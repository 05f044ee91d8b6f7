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
import { forkSupervisorFactory, ProcessRegistry } from './process/process-supervisor.child.js';
import type { SupervisorGaveUpError } from './errors/supervision-runtime.error.js';
import { SupervisorRuntime, type EventRelay } from './runtime/supervisor.runtime.js';
import { TreeHost } from './runtime/tree.host.js';
import { resolveModuleOptions, type ResolvedModuleOptions } from './supervision.defaults.js';
import { MESSAGES } from './supervision.messages.js';
import { SupervisionExplorer, type Discovery } from './supervision.explorer.js';
import { SUPERVISION_OPTIONS } from './supervision.module-definition.js';
import { validateModuleOptions } from './tree/options.validator.js';
import { buildTree } from './tree/tree.builder.js';
import type { SupervisorNode } from './tree/tree.types.js';

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

  /** A host for the supervisors of this process: its own events go to `emit`, its children's to `relay`. */
  createHost(emit: (event: EventInput) => void, relay: EventRelay): TreeHost {
    const { options, discovery } = this.build();
    const logger = options.logging ? this.log : undefined;
    return new TreeHost(emit, relay, logger, discovery.instances, forkSupervisorFactory(options.process, this.processes));
  }

  /** The host of the main process: everything ends up in the one event stream and snapshot. */
  private createMainHost(): TreeHost {
    return this.createHost((event) => this.bus.publish(this.stamper.stamp(event)), {
      event: (event) => this.bus.publish(event),
      snapshot: (root) => this.store?.merge(root),
    });
  }

  /** Starts the tree (done at bootstrap unless `autoStart: false`). Resolves when every child started. */
  start(): Promise<void> {
    this.starting ??= (async () => {
      const tree = this.build().tree;
      const host = this.createMainHost();
      const runtime = new SupervisorRuntime(tree, host);
      runtime.onGiveUp = (error) => this.treeFailed(error);
      this.runtime = runtime;
      host.emit({ type: 'starting', path: tree.path, kind: 'supervisor', attempt: 0 });
      await runtime.start();
      host.emit({ type: 'started', path: tree.path, kind: 'supervisor', attempt: 0 });
    })();
    return this.starting;
  }

  /** Stops the whole tree, children in reverse start order, every process included. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const runtime = this.runtime;
      if (!runtime) return;
      const tree = this.build().tree;
      const emit = (event: EventInput) => this.bus.publish(this.stamper.stamp(event));
      const release = this.processes.killOnSignalDuring();
      try {
        emit({ type: 'stopping', path: tree.path, kind: 'supervisor', reason: 'shutdown' });
        await runtime.stop('shutdown');
        emit({ type: 'stopped', path: tree.path, kind: 'supervisor', reason: 'shutdown', timedOut: false });
      } finally {
        release();
      }
    })();
    return this.stopping;
  }

  private treeFailed(error: SupervisorGaveUpError): void {
    const tree = this.build().tree;
    this.bus.publish(this.stamper.stamp({ type: 'tree-failed', path: tree.path, kind: 'supervisor', error: toErrorInfo(error) }));
    this.log.error(`the supervision tree failed: ${error.message}`, error.stack);
    if (this.build().options.onTreeFailure === 'shutdown') {
      process.exitCode = 1;
      process.kill(process.pid, 'SIGTERM');
    }
  }

  private build(): NonNullable<typeof this.built> {
    if (!this.built) throw new Error(MESSAGES.notStarted());
    return this.built;
  }
}
