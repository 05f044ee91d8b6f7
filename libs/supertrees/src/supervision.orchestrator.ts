import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { SupervisionTree } from './discovery/supervision.tree.js';
import type { SupervisorGaveUpError } from './errors/supervision-runtime.error.js';
import { SupervisionEventBus } from './events/event.bus.js';
import { MainEventSink } from './events/main.event-sink.js';
import { toErrorInfo } from './events/supervision.events.js';
import { ProcessHosting } from './process/process.hosting.js';
import { isSupervisorProcess } from './process/process.role.js';
import { SupervisorRuntime } from './runtime/supervisor.runtime.js';
import { SupervisionCluster } from './supervision.cluster.js';

/**
 * The lifecycle of the tree in the main process: starts it at bootstrap (the tree itself was
 * built and checked in `onModuleInit`), stops it in `onModuleDestroy`, before other modules close
 * what the workers use, and handles the tree's failure.
 */
@Injectable()
export class SupervisionOrchestrator implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger('Supervision');
  private runtime?: SupervisorRuntime;
  private starting?: Promise<void>;
  private stopping?: Promise<void>;

  constructor(
    private readonly tree: SupervisionTree,
    private readonly hosting: ProcessHosting,
    private readonly sink: MainEventSink,
    private readonly bus: SupervisionEventBus,
    private readonly cluster: SupervisionCluster,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (isSupervisorProcess()) return;
    const { autoStart, start, logging } = this.tree.options;
    if (!autoStart) return;
    if (start === 'blocking') return this.start();
    // In the background: bootstrap (and so app.listen()) goes on; readiness follows the root's state.
    this.start().catch((error: unknown) => {
      if (logging) this.log.error(`the supervision tree could not start: ${(error as Error)?.message}`, (error as Error)?.stack);
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
    this.cluster.complete();
    this.bus.complete();
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
      const root = this.tree.root;
      const runtime = new SupervisorRuntime(root, this.hosting.createHost(root, this.sink), (error) => this.treeFailed(error));
      this.runtime = runtime;
      this.sink.emit({ type: 'starting', path: root.path, kind: 'supervisor', attempt: 0 });
      await runtime.start();
      // Cluster mode: placed nodes were built parked; this replica's node now joins and acquires leases.
      if (this.runtime === runtime && !this.stopping) {
        try {
          await this.cluster.open();
        } catch (error) {
          // requireRedisAtStart with Redis down: the start fails, and leaves nothing running.
          await this.stop();
          throw error;
        }
      }
      if (this.runtime === runtime && !this.stopping) this.sink.emit({ type: 'started', path: root.path, kind: 'supervisor', attempt: 0 });
    })();
    return this.starting;
  }

  /** Stops the whole tree, children in reverse start order, every process included. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const release = this.hosting.registry.killOnSignalDuring();
      try {
        const runtime = this.runtime;
        this.runtime = undefined;
        this.starting = undefined;
        // Placed nodes stop first (reason shutdown) and their leases are given back, so another
        // replica takes them at once rather than at expiry; then the rest of the tree.
        await this.cluster.close().catch((error: unknown) => this.log.error(`cluster: ${(error as Error)?.message}`, (error as Error)?.stack));
        if (runtime) {
          const path = this.tree.root.path;
          this.sink.emit({ type: 'stopping', path, kind: 'supervisor', reason: 'shutdown' });
          await runtime.stop('shutdown');
          this.sink.emit({ type: 'stopped', path, kind: 'supervisor', reason: 'shutdown', timedOut: false });
        }
        await this.hosting.close();
      } finally {
        release();
      }
    })();
    return this.stopping;
  }

  private treeFailed(error: SupervisorGaveUpError): void {
    const { root, options } = this.tree;
    void this.cluster.close().catch(() => undefined);
    this.sink.emit({ type: 'tree-failed', path: root.path, kind: 'supervisor', error: toErrorInfo(error) });
    if (options.logging) this.log.error(`the supervision tree failed: ${error.message}`, error.stack);
    // The tree has already stopped. SIGTERM lets an app with enableShutdownHooks() close the rest
    // gracefully; without them, SIGTERM's default ends the process.
    if (options.onTreeFailure === 'shutdown') process.kill(process.pid, 'SIGTERM');
  }
}
