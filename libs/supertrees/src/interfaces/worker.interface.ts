import type { LoggerService } from '@nestjs/common';
import type { LeaseHandle } from './cluster.interface.js';

/** What a worker gets at each start. */
export interface WorkerContext {
  /** Aborted when the worker is asked to stop; `run()` should return soon after. */
  readonly signal: AbortSignal;
  /** 0 on the first start, then the number of restarts so far. */
  readonly attempt: number;
  /** The node's path in the tree, e.g. `root/IngestSupervisor/FeedPoller`. */
  readonly path: string;
  /** A Nest logger whose context is the worker's name. */
  readonly logger: LoggerService;
  /** A dynamic child's id (`startChild`'s `spec.id`); undefined otherwise. */
  readonly id?: string;
  /** A dynamic child's `spec.args`, as data; undefined otherwise. */
  readonly args?: unknown;
  /** A pool member's index, 0 to N-1; undefined outside a pool. */
  readonly instance?: number;
  /**
   * Cluster mode, in a placed node (or below a placed supervisor): the lease's fencing token. It grows
   * each time the unit changes hands: stamp writes with it so a store can reject a stale owner.
   * Undefined for a node placed `'everywhere'`.
   */
  readonly fencingToken?: number;
  /** Cluster mode: the partition this start runs (`placement: { partitions }`), 0 to N-1; undefined otherwise. */
  readonly partition?: number;
  /**
   * Cluster mode: the lease this start runs under. `stillHolds()` is false from this process's own
   * deadline on (measured on its monotonic clock, even while the main process is paused);
   * `remainingMs()`; `signal` aborts when the lease is lost, handed off or released. Undefined for
   * a node placed `'everywhere'`.
   */
  readonly lease?: LeaseHandle;
}

/** The shape of a `@Worker()` class. */
export interface SupervisedWorker {
  /** Resets state; runs before every (re)start, so it must be safe to repeat. Optional. */
  init?(ctx: WorkerContext): void | Promise<void>;
  /** The work. Its end (return, throw or rejection) is what the restart policy judges. */
  run(ctx: WorkerContext): void | Promise<void>;
  /**
   * Answers a call or cast (`SupervisionService.call` / `cast`), while `run()` runs; optional: a
   * worker without it cannot be called. Its result (data) is the call's reply; a throw or rejection
   * is the caller's `CallRejectedError` and does not stop the worker. `ctx` is the current start's.
   */
  handle?(message: unknown, ctx: WorkerContext): unknown;
}
