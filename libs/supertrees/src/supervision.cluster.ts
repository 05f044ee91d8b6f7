import { Injectable, Logger } from '@nestjs/common';
import { Subject, type Observable, type Subscription } from 'rxjs';
import type { ClusterNode } from './cluster/cluster.node.js';
import type { LocalUnitState } from './interfaces/cluster.interface.js';
import { ClusterDataError, ClusterRedisError, ClusterRoutingError } from './cluster/cluster.errors.js';
import type { ClusterEvent } from './cluster/cluster.events.js';
import { unitRef, type UnitRef } from './cluster/cluster.keys.js';
import { CLUSTER_MESSAGES } from './cluster/cluster.messages.js';
import { resolveClusterOptions, type ResolvedClusterOptions } from './cluster/cluster.options.js';
import type { ClusterView } from './cluster/cluster.replies.js';
import type { ClusterRouter } from './cluster/cluster.router.js';
import type { RenewedUnit, UnitHost, UnitStart, UnitStopReason } from './cluster/unit.host.js';
import { SupervisionTree } from './discovery/supervision.tree.js';
import { NodeUnavailableError } from './errors/supervision-request.error.js';
import { MainEventSink } from './events/main.event-sink.js';
import { SnapshotStore } from './events/snapshot.js';
import type { EventInput } from './events/supervision.events.js';
import { ProcessHosting } from './process/process.hosting.js';
import { isSupervisorProcess } from './process/process.role.js';
import { partitionOf, type PartitionKey } from './runtime/partition.js';
import { PLACEMENT_OPS } from './runtime/placement.ops.js';
import type { UnitGrant } from './runtime/unit.leases.js';
import { ROOT_NAME } from './shared/supervision.constants.js';
import { findNode, parentPath, placedUnits, walkTree, type NodePlacement, type TreeNode } from './tree/tree.types.js';

/** `SupervisionService.cluster`: this replica's view of the cluster. */
export interface ClusterApi {
  /** This replica's member id (`cluster.memberId`, or the generated `<hostname>-<pid>-<random>`). */
  readonly memberId: string;
  /** Members and every placed unit's lease (holder, token, until when) as Redis has them now. Rejects with `ClusterRedisError` while the tree is stopped or Redis is unreachable. */
  view(): Promise<ClusterView>;
  /** The placed units of this replica and their lease phase here (free, acquiring, starting, running, stopping). */
  local(): LocalUnitState[];
  /** Lease and membership changes as this replica sees them (also on `events$` as supervision events). Hot; completes at shutdown. */
  readonly events$: Observable<ClusterEvent>;
}

/** Where a call to a path goes in cluster mode: a placed unit, and whether this replica holds it. */
export interface PlacedTarget {
  readonly unit: UnitRef;
  /** The node to deliver to here (a partition's member path, when the call named the partitioned node). */
  readonly path: string;
  /** This replica holds the unit's lease now. */
  readonly local: boolean;
}

const REQUEST_MARGIN_MS = 5_000;

/**
 * The node and the router (with the Redis link, the lease scripts and the direct channel), loaded at
 * the first `open()`: an app without `forRoot({ cluster })`, and every supervisor process, never load
 * their code (75 of the 370 KB of the built library, which each supervisor process would otherwise
 * compile at every cold start).
 */
function loadClusterNode(): Promise<[typeof import('./cluster/cluster.node.js'), typeof import('./cluster/cluster.router.js')]> {
  return Promise.all([import('./cluster/cluster.node.js'), import('./cluster/cluster.router.js')]);
}

/**
 * Runs a call or cast that another replica routed here, on a node under a unit this replica holds,
 * as a local call would (never routed on again). Set by `CallRouter`.
 */
export type PlacedDispatch = (kind: 'call' | 'cast', path: string, message: unknown, timeoutMs: number) => Promise<unknown>;

/**
 * What travels to the holder of a unit: the path called (the unit's node, or a node below a placed
 * supervisor) and the message. The receiver accepts only a path at or below the unit it holds.
 */
interface RoutedMessage {
  readonly path: string;
  readonly message: unknown;
}

/**
 * Cluster mode in the main process: the {@link UnitHost} of the replica's {@link ClusterNode}. A lease
 * acquired starts the placed node in whatever process runs it (a `unitStart` request down the channel,
 * with the ms left until the deadline); a lease lost, handed off or given back stops it (`unitStop`);
 * each renewal sends every process that runs placed nodes its new deadlines, in one message per process.
 * The node is started after the tree and stopped before it. Nothing of this runs without `forRoot({ cluster })`,
 * and ioredis is loaded only when the node opens its link.
 */
@Injectable()
export class SupervisionCluster implements UnitHost {
  private readonly log = new Logger('SupervisionCluster');
  private node?: ClusterNode;
  /** Set while `open()` loads the code and starts the node: a `close()` meanwhile waits for it. */
  private opening?: Promise<void>;
  private router?: ClusterRouter;
  private dispatchPlaced?: PlacedDispatch;
  private subscription?: Subscription;
  private resolved?: ResolvedClusterOptions;
  private readonly events = new Subject<ClusterEvent>();
  private placed?: { byPath: Map<string, NodePlacement>; partitioned: Map<string, number>; processes: string[] };
  private apiObject?: ClusterApi;
  /** Read once: a process's role is set when it is forked, and `enabled` is read on every call. */
  private readonly inMainProcess = !isSupervisorProcess();

  constructor(
    private readonly tree: SupervisionTree,
    private readonly hosting: ProcessHosting,
    private readonly sink: MainEventSink,
    private readonly store: SnapshotStore,
  ) {}

  /** `CallRouter` gives the function that runs a routed call here (it depends on this class, not the other way). */
  useDispatch(dispatch: PlacedDispatch): void {
    this.dispatchPlaced = dispatch;
  }

  /** True with `forRoot({ cluster })`, in the app's main process. */
  get enabled(): boolean {
    return this.tree.clusterOptions !== undefined && this.inMainProcess;
  }

  /** `SupervisionService.cluster`; undefined without cluster mode. */
  get api(): ClusterApi | undefined {
    if (!this.enabled) return undefined;
    const memberId = () => this.options().memberId;
    this.apiObject ??= {
      get memberId() {
        return memberId();
      },
      view: () => (this.node ? this.node.view() : Promise.reject(new ClusterRedisError(CLUSTER_MESSAGES.notStarted()))),
      local: () => this.node?.localView() ?? [],
      events$: this.events.asObservable(),
    };
    return this.apiObject;
  }

  /** Starts this replica's node (membership, leases) once the tree runs. Rejects only with `requireRedisAtStart` and Redis down. */
  open(): Promise<void> {
    if (!this.enabled || this.node) return Promise.resolve();
    this.opening ??= this.openNode().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async openNode(): Promise<void> {
    const [{ ClusterNode }, { ClusterRouter }] = await loadClusterNode();
    const node = new ClusterNode(this.options(), placedUnits(this.tree.root), this);
    this.node = node;
    this.subscription = node.events$.subscribe((event) => {
      this.events.next(event);
      this.sink.emit(this.toSupervisionEvent(event));
    });
    // The cluster view shows every member's tree: read right after each renewal, written when it changed.
    node.publishTree(() => this.store.snapshot());
    const router = new ClusterRouter(node, (unit, kind, message, timeoutMs) => this.serve(unit, kind, message, timeoutMs));
    try {
      // A direct call channel listens first, so that the first heartbeat publishes its address.
      await router.listen();
      await node.start();
      await router.start();
      this.router = router;
    } catch (error) {
      this.node = undefined;
      this.subscription.unsubscribe();
      await router.stop().catch(() => undefined);
      await node.stop().catch(() => undefined);
      throw error;
    }
  }

  /** Stops every placed node held here (reason `shutdown`), releases their leases and leaves the membership. */
  async close(): Promise<void> {
    // An open() under way (loading the code, joining, listening) ends first, so that this stops what it started.
    await this.opening?.catch(() => undefined);
    const node = this.node;
    if (!node) return;
    // Calls in flight to other replicas settle (rejected) before the leases go.
    await this.router?.stop();
    this.router = undefined;
    await node.stop();
    this.subscription?.unsubscribe();
    this.node = undefined;
    this.hosting.leases?.clear();
  }

  /** Completes `events$` (the application closes). */
  complete(): void {
    this.events.complete();
  }

  // ---- UnitHost: the ClusterNode drives these

  async start(unit: UnitRef, start: UnitStart): Promise<void> {
    const grant: UnitGrant = {
      unit: unit.id,
      fencingToken: start.fencingToken,
      ...(start.partition === undefined ? {} : { partition: start.partition }),
      remainingMs: start.lease.remainingMs(),
    };
    // Held here too: a process forked (or restarted) later takes it from here with its start message.
    this.hosting.leases!.grant(grant);
    try {
      await this.hosting.request({ op: PLACEMENT_OPS.unitStart, path: parentPath(unit.id), payload: grant, timeoutMs: this.startTimeoutMs() });
    } catch (error) {
      // Its process is starting or restarting: it starts the node from the lease in its start message.
      if (error instanceof NodeUnavailableError && (error.code === 'starting' || error.code === 'restarting')) return;
      // Anything else: never leave it running (or starting) without the lease the node now gives back.
      await this.stop(unit, 'lease-lost').catch(() => undefined);
      throw error;
    }
  }

  async stop(unit: UnitRef, reason: UnitStopReason): Promise<void> {
    this.hosting.leases?.revoke(unit.id);
    const node = findNode(this.tree.root, unit.id);
    const timeoutMs = (node?.shutdownTimeoutMs ?? 0) + this.tree.options.process.killTimeoutMs + REQUEST_MARGIN_MS;
    try {
      await this.hosting.request({ op: PLACEMENT_OPS.unitStop, path: parentPath(unit.id), payload: { unit: unit.id, reason }, timeoutMs });
    } catch (error) {
      // Its process is gone or going: what ran under the lease went with it (or stops at its own deadline).
      if (error instanceof NodeUnavailableError) return;
      throw error;
    }
  }

  renewed(units: readonly RenewedUnit[]): void {
    const grants: UnitGrant[] = units.map(({ unit, token, remainingMs }) => ({
      unit: unit.id,
      fencingToken: token,
      ...(unit.partition === undefined ? {} : { partition: unit.partition }),
      remainingMs,
    }));
    const timeoutMs = this.options().renewIntervalMs;
    // This process (extends, and starts again a placed node whose lease is held but that is not running)...
    this.send(ROOT_NAME, grants, timeoutMs);
    // ...and one message per supervisor process that runs something under these leases.
    for (const process of this.placement().processes) {
      const mine = grants.filter((g) => g.unit === process || g.unit.startsWith(`${process}/`) || process.startsWith(`${g.unit}/`));
      if (mine.length > 0) this.send(process, mine, timeoutMs);
    }
  }

  private send(path: string, units: UnitGrant[], timeoutMs: number): void {
    this.hosting.request({ op: PLACEMENT_OPS.unitsRenewed, path, payload: { units }, timeoutMs }).catch((error: unknown) => {
      // A process that is not running gets the leases in its next start message.
      if (!(error instanceof NodeUnavailableError)) this.log.warn(`renewal to ${path} failed: ${(error as Error)?.message}`);
    });
  }

  // ---- calls

  /**
   * Where a call or cast to `path` goes in cluster mode; undefined for a node placed everywhere.
   * Throws `ClusterRoutingError` for a key to a placed node that is not partitioned (nor a pool), or
   * no key to a partitioned one.
   */
  placedTarget(path: string, key: PartitionKey | undefined): PlacedTarget | undefined {
    if (!this.enabled) return undefined;
    const { byPath, partitioned } = this.placement();
    const partitions = partitioned.get(path);
    if (partitions !== undefined) {
      if (key === undefined) throw new ClusterRoutingError(path, 'no-key');
      const partition = partitionOf(key, partitions);
      const unit = unitRef(path, partition);
      return { unit, path: unit.id, local: this.holds(unit.id) };
    }
    for (let end = path.length; end > 0; end = path.lastIndexOf('/', end - 1)) {
      const at = end === path.length ? path : path.slice(0, end);
      const placement = byPath.get(at);
      if (!placement) continue;
      if (at === path && key !== undefined) throw new ClusterRoutingError(path, 'key-unpartitioned');
      const unit = placement.kind === 'singleton' ? unitRef(placement.unit) : unitRef(placement.unit, placement.partition);
      return { unit, path, local: this.holds(unit.id) };
    }
    return undefined;
  }

  /**
   * A call or cast to a placed node this replica does not hold: to the replica that holds its lease,
   * through Redis (`ClusterRouter`), with the path called and the message; `ClusterNoOwnerError` when
   * nobody holds it now, `ClusterRedisError` while the cluster node is not running.
   */
  remote(kind: 'call' | 'cast', target: PlacedTarget, message: unknown, timeoutMs: number): Promise<unknown> {
    const router = this.router;
    if (!router) return Promise.reject(new ClusterRedisError(CLUSTER_MESSAGES.notStarted()));
    const routed: RoutedMessage = { path: target.path, message };
    return kind === 'call' ? router.call(target.unit, routed, { timeoutMs }) : router.cast(target.unit, routed, { timeoutMs });
  }

  /** A routed call or cast that reached this replica, for a unit the router checked is held here. */
  private serve(unit: UnitRef, kind: 'call' | 'cast', routed: unknown, timeoutMs: number): Promise<unknown> {
    const envelope = typeof routed === 'object' && routed !== null ? (routed as Partial<RoutedMessage>) : {};
    const { path, message } = envelope;
    // Never trust what came through Redis: only a node at or below the unit held here is reachable.
    if (typeof path !== 'string' || (path !== unit.id && !path.startsWith(`${unit.id}/`)) || !('message' in envelope)) {
      return Promise.reject(new ClusterDataError(`a routed ${kind} for ${unit.id}`, `path ${JSON.stringify(path)} is not at or below the unit`));
    }
    if (!this.dispatchPlaced) return Promise.reject(new ClusterRedisError(CLUSTER_MESSAGES.notStarted()));
    return this.dispatchPlaced(kind, path, message, timeoutMs);
  }

  private holds(unit: string): boolean {
    return this.hosting.leases?.holds(unit) ?? false;
  }

  // ---- internals

  private options(): ResolvedClusterOptions {
    if (!this.resolved) {
      const raw = this.tree.clusterOptions!;
      const logger = raw.logger ?? (this.tree.options.logging ? new Logger('ClusterNode') : false);
      // Resolved once: the generated member id stays the same across a stop() and start() of the tree.
      this.resolved = resolveClusterOptions({ ...raw, logger });
    }
    return this.resolved;
  }

  private startTimeoutMs(): number {
    const { process, initTimeoutMs } = this.tree.options;
    return Math.max(process.startTimeoutMs, Number.isFinite(initTimeoutMs) ? initTimeoutMs : 0) + REQUEST_MARGIN_MS;
  }

  private placement(): NonNullable<SupervisionCluster['placed']> {
    if (!this.placed) {
      const byPath = new Map<string, NodePlacement>();
      const partitioned = new Map<string, number>();
      const processes: string[] = [];
      for (const node of walkTree(this.tree.root)) {
        if (node.placement) {
          byPath.set(node.path, node.placement);
          if (node.placement.kind === 'partitioned') partitioned.set(node.placement.unit, node.placement.partitions);
        }
        if (node.kind === 'supervisor' && node.isolation === 'process') processes.push(node.path);
      }
      this.placed = { byPath, partitioned, processes };
    }
    return this.placed;
  }

  private toSupervisionEvent(event: ClusterEvent): EventInput {
    const base = { seq: 0, pid: 0, processSeq: 0, timestamp: 0, member: event.memberId };
    switch (event.type) {
      case 'member-joined':
      case 'member-left':
        return { ...base, type: event.type, path: ROOT_NAME, kind: 'supervisor', member: event.member };
      default: {
        const node: TreeNode | undefined = findNode(this.tree.root, event.unit);
        const where = { path: event.unit, kind: node?.kind ?? 'worker', token: event.token, ...(event.partition === undefined ? {} : { partition: event.partition }) };
        if (event.type === 'lease-acquired') return { ...base, ...where, type: event.type };
        if (event.type === 'lease-lost') return { ...base, ...where, type: event.type, cause: event.cause };
        return { ...base, ...where, type: event.type, reason: event.reason };
      }
    }
  }
}
