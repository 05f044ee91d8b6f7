import type { Type } from '@nestjs/common';
import type { ClusterOptions } from './cluster.interface.js';

/**
 * When a child is restarted after `run()` ends.
 * - `always`: whenever it ends, normally or not (OTP `permanent`; the default).
 * - `on-failure`: only when `run()` threw or rejected (OTP `transient`).
 * - `once`: at most one restart in the child's life.
 * - `never`: never (OTP `temporary`); a sibling's restart does not bring it back either.
 */
export type RestartPolicy = 'always' | 'on-failure' | 'once' | 'never';

/** Which children a supervisor restarts when one of them is restarted (OTP's strategies). */
export type SupervisionStrategy = 'one-for-one' | 'one-for-all' | 'rest-for-one';

/** Where a supervisor runs: in a forked child process of its own, or inside its parent's process. */
export type Isolation = 'process' | 'none';

/** Delay before a restart, growing geometrically with consecutive failures. */
export interface BackoffOptions {
  /** Delay before the first restart, in ms. Default 50. `0` restarts on the next turn of the event loop. */
  minDelayMs?: number;
  /** Upper bound of the delay, in ms. Default 60 000. */
  maxDelayMs?: number;
  /** A child that ran this long (ms) without failing starts again from `minDelayMs`. Default 120 000. */
  resetAfterMs?: number;
  /** Factor applied to the delay for each further consecutive restart; at least 1. Default 1.2. */
  multiplier?: number;
  /** Random spread as a fraction of the delay, 0..1: the delay is drawn from ±jitter around it. Default 0. */
  jitter?: number;
}

/** What a worker or a supervisor has as the child of its parent supervisor. */
export interface ChildOptions {
  /** Restart policy. Default `'always'`. */
  restart?: RestartPolicy;
  /** Restart delay. Defaults: see {@link BackoffOptions}. */
  backoff?: BackoffOptions;
  /**
   * How long a stop may take before the child is given up on (ms). Default 5 000 for a worker
   * (it is then abandoned with a warning); 30 000 for a supervisor (its process is then sent
   * SIGTERM, and SIGKILL after `process.killTimeoutMs`).
   */
  shutdownTimeoutMs?: number;
  /** The node's name in paths and events. Default: the class name. */
  name?: string;
  /**
   * Where it runs when the app runs as several replicas (`forRoot({ cluster })`): `'everywhere'`
   * (every replica runs it; the default), `'singleton'` (exactly one replica runs it, under a lease
   * with a fencing token) or `{ partitions: N }` (N from 1 to 1 024: partition p runs on exactly one
   * replica; `ctx.partition` says which). A supervisor carries its whole subtree; nothing below a
   * placed node may be placed again. Anything but `'everywhere'` needs `forRoot({ cluster })`.
   */
  placement?: Placement;
}

/** See {@link ChildOptions.placement}. */
export type Placement = 'everywhere' | 'singleton' | { readonly partitions: number };

/** The bounded mailbox of a worker that can be called (one with a `handle()` method). */
export interface MailboxOptions {
  /**
   * Most calls and casts it holds, waiting or being handled; one more is rejected at once with a
   * `MailboxFullError`. Default 1 000.
   */
  capacity?: number;
  /** How many `handle()`s may run at once. Default 1: calls are handled one after another, in order. */
  concurrency?: number;
  /**
   * Largest message (and reply) in bytes of its JSON text, about; larger is rejected with an
   * `InvalidMessageError` naming the field that crossed the limit. Default 1 048 576 (1 MiB).
   */
  maxMessageBytes?: number;
}

/** Options of `@Worker()`. */
export interface WorkerOptions extends ChildOptions {
  /**
   * How long `init()` may take, in ms; past it the start fails with `WorkerInitTimeoutError`
   * (a start failure, restarted by policy), and the worker's signal is aborted. Default: forRoot's
   * `initTimeoutMs` (20 000). `Infinity` waits for ever.
   */
  initTimeoutMs?: number;
  /**
   * A pool: run this many copies under its supervisor, each with its own instance of the class,
   * its own restart state, `ctx.instance` (0 to N-1) and path (`…/Name#0`). `SupervisionService.scale()`
   * changes N at run time. Default: not a pool (one copy, the provider's singleton, path `…/Name`).
   */
  instances?: number;
  /**
   * Started only by `SupervisionService.startChild()` under a dynamic supervisor, never placed in
   * the tree at boot. Default `false`.
   */
  dynamic?: boolean;
  /** Its mailbox, used when the class has a `handle()` method. Defaults: see {@link MailboxOptions}. */
  mailbox?: MailboxOptions;
}

/** Options of `SupervisionService.call()` and `cast()`. */
export interface CallOptions {
  /**
   * Longest wait for the reply, in ms, from the call to the reply: waiting in the mailbox, for a
   * restart, and in `handle()`. Default 5 000.
   */
  timeoutMs?: number;
  /**
   * For a pool (`@Worker({ instances })`) called by its path without `#n`: the instance that takes
   * the message is `hash(key) mod instances` (FNV-1a, as PartitionSupervisor's rule), so one key
   * always reaches the same instance while the pool keeps its size. Without a key, the least busy
   * instance (fewest messages waiting or being handled), round robin among equals.
   * For a partitioned worker (`placement: { partitions }`): the partition `hash(key) mod partitions`,
   * by the same rule, on whichever replica holds it; a key to a node that is not partitioned (nor a
   * pool) is a `ClusterRoutingError`.
   */
  key?: string | number;
}

/** A supervisor's own policy: how it restarts its children and when it gives up. */
export interface SupervisionPolicyOptions {
  /** Default `'one-for-one'`. */
  strategy?: SupervisionStrategy;
  /**
   * Restart intensity: at most this many restarts within `withinMs`; one more and the supervisor
   * stops all its children and fails (escalation). Default: unlimited.
   */
  maxRestarts?: number;
  /** The sliding window of `maxRestarts`, in ms. Required with `maxRestarts`. */
  withinMs?: number;
}

/** Options of `@Supervisor()`. */
export interface SupervisorOptions extends ChildOptions, SupervisionPolicyOptions {
  /** Its children, started left to right and stopped right to left: `@Worker` or `@Supervisor` classes. */
  children?: Type<unknown>[];
  /** Default: `forRoot`'s `defaultIsolation`, which defaults to `'process'`. */
  isolation?: Isolation;
  /**
   * A dynamic supervisor (OTP's DynamicSupervisor): starts with no children; children are started at
   * run time by `SupervisionService.startChild()`. Its strategy is `'one-for-one'`; `children` must be
   * empty. Default `false`.
   */
  dynamic?: boolean;
  /** Most children a dynamic supervisor runs at once; one more `startChild()` is refused. Default unlimited. */
  maxChildren?: number;
  /**
   * When a dynamic supervisor itself restarts, start its dynamic children again from their specs,
   * which its parent keeps. `false` is OTP's behaviour: it comes back empty. Default `true`.
   */
  restoreChildren?: boolean;
}

/** The per-child part of `startChild()`'s spec: a `@Worker`'s options for this one child. */
export interface DynamicChildSpec<TArgs = unknown> {
  /** Unique under its supervisor; part of the child's path (`…/TenantWorker:acme`). No `/`, `:` or `#`. */
  id: string;
  /** Data for the child (`ctx.args`): JSON values only, so that they can cross a process boundary. */
  args?: TArgs;
  /** Default: the class's `@Worker()` option, else `'always'`. */
  restart?: RestartPolicy;
  /** Default: the class's `@Worker()` option, else the defaults of {@link BackoffOptions}. */
  backoff?: BackoffOptions;
  /** Default: the class's `@Worker()` option, else 5 000. */
  shutdownTimeoutMs?: number;
}

/** How supervisor processes are forked and watched. */
export interface ProcessOptions {
  /**
   * The script a supervisor process runs. Default: the main script of this process
   * (`process.argv[1]`). Give it explicitly when this process is not the app (a test runner).
   */
  entry?: string;
  /** Node flags for supervisor processes. Default: this process's `process.execArgv`. */
  execArgv?: string[];
  /**
   * V8's `--max-semi-space-size` for supervisor processes, in MiB: caps the young generation, which
   * otherwise grows while a process loads the app and stays grown. A supervisor process is idle most
   * of its life; the cap saves about a quarter of its private memory (see docs/BENCHMARKS.md,
   * figure 5). 0 leaves V8's default. A `--max-semi-space-size` in `execArgv` or `NODE_OPTIONS` wins.
   * With the cap, the process also gets an `--import` of a `data:` module that sets the flag back to
   * V8's default once the heap is sized: the cap stays, and V8 accepts the code cache of Node's own
   * modules again, which it refuses while any flag differs from its default (a slower start).
   * Default 2.
   */
  maxSemiSpaceMiB?: number;
  /** Extra environment for supervisor processes (merged over `process.env`). Default none. */
  env?: Record<string, string>;
  /** How often a supervisor process reports it is alive (ms). Default 500. */
  heartbeatIntervalMs?: number;
  /** A supervisor process silent for this long is killed and treated as failed (ms). Default 5 000. */
  heartbeatTimeoutMs?: number;
  /**
   * Longest time from handing a process its supervisor (a spare, or a new fork) until it reports
   * its children started (ms). Default 30 000.
   */
  startTimeoutMs?: number;
  /** After SIGTERM, how long before SIGKILL (ms). Default 2 000. */
  killTimeoutMs?: number;
  /**
   * Restart a supervisor process whose resident memory (RSS) passes this many MiB (PM2's
   * `max_memory_restart`). Checked at each heartbeat, from `started` on: the process is told to stop
   * (its workers stop as in a shutdown; SIGKILL after its `shutdownTimeoutMs` + `killTimeoutMs`) and
   * counts as failed with `SupervisorMemoryLimitError`, so its restart policy applies. Each process
   * checks the processes it forked. Default: unset (no limit).
   */
  maxMemoryMiB?: number;
  /**
   * Loaded spare processes each forking process keeps, so that a restarted supervisor process only
   * has to create its Nest context, not load the app's code. Only processes that have supervisor
   * processes as children keep spares. Default 1; 0 forks on demand.
   */
  standby?: number;
  /** Events a supervisor process buffers while its parent is slow; beyond it the oldest are dropped and counted. Default 10 000. */
  maxBufferedEvents?: number;
}

/** See {@link SupervisionModuleOptions.start}. */
export type StartMode = 'blocking' | 'background';

/** Options of `SupervisionModule.forRoot()`: the root supervisor and the tree's defaults. */
export interface SupervisionModuleOptions extends SupervisionPolicyOptions {
  /**
   * What happens when the root supervisor gives up (its intensity is exceeded): `'shutdown'`
   * (default) sends this process SIGTERM after the tree has stopped, so an app with
   * `enableShutdownHooks()` closes gracefully and the process ends as SIGTERM ends it (status 143);
   * `'keep-running'` only emits `tree-failed` (and logs it).
   */
  onTreeFailure?: 'shutdown' | 'keep-running';
  /** The isolation of a `@Supervisor` that does not set its own. Default `'process'`. */
  defaultIsolation?: Isolation;
  /**
   * The isolation of every `@Supervisor`, whatever it sets itself: `'none'` runs a whole tree in
   * this process, as a unit test wants (the testing kit sets it). Default: unset.
   */
  forceIsolation?: Isolation;
  /** Supervisor processes. */
  process?: ProcessOptions;
  /** Start the tree at application bootstrap. Default `true`; `false` leaves it to `SupervisionService.start()`. */
  autoStart?: boolean;
  /**
   * Whether `app.init()` / `app.listen()` wait for the tree's start sequence (with `autoStart`).
   * `'blocking'` (default): they resolve once every child is running (or waiting for a restart).
   * `'background'`: the tree starts after bootstrap without holding it up, so the HTTP server
   * listens at once; `SupervisionService.status` (and the readiness check of
   * `nestjs-supertrees/terminus`) says when the tree has started.
   */
  start?: StartMode;
  /** Log lifecycle changes and failures through Nest's Logger. Default `true`. */
  logging?: boolean;
  /**
   * The `initTimeoutMs` of every `@Worker` that does not set its own. Default 20 000: below
   * `process.startTimeoutMs` (30 000), so a worker whose `init()` hangs in a supervisor process
   * is named in the failure before its process's start times out. `Infinity` waits for ever.
   */
  initTimeoutMs?: number;
  /**
   * Cluster mode: the app runs as several replicas sharing one Redis, and nodes with a `placement`
   * run once across them (see {@link ChildOptions.placement}). Needs the optional peer `ioredis`
   * (loaded only when this is set). Default: unset, every node runs in every replica.
   */
  cluster?: ClusterOptions;
}
