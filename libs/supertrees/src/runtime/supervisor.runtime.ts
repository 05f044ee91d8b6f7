import type { LoggerService } from '@nestjs/common';
import {
  ChildIdTakenError,
  ChildStartError,
  ChildStateError,
  MaxChildrenError,
  NotAPoolError,
  NotAWorkerError,
  NotDynamicError,
} from '../errors/child-control.error.js';
import { NodeUnavailableError } from '../errors/supervision-request.error.js';
import { SupervisorGaveUpError, SupervisorNotBootstrappedError, UnknownNodeError } from '../errors/supervision-runtime.error.js';
import type { EventSink } from '../events/event.sink.js';
import {
  childAddedEvent,
  childRemovedEvent,
  exitedEvent,
  failedEvent,
  gaveUpEvent,
  restartedEvent,
  restartScheduledEvent,
  startedEvent,
  startingEvent,
  stoppedEvent,
  stoppingEvent,
} from '../events/event.literals.js';
import type { NodeState } from '../events/snapshot.js';
import { toErrorInfo, type ChildRemovedReason, type ErrorInfo, type StopReason } from '../events/supervision.events.js';
import type { WorkerOptions } from '../interfaces/options.interface.js';
import { ROOT_NAME } from '../shared/supervision.constants.js';
import { poolMember } from '../tree/tree.builder.js';
import { dynamicChildNode, type DynamicChildData } from '../tree/dynamic-child.js';
import type { SupervisorNode, TreeNode, WorkerNode } from '../tree/tree.types.js';
import type { DynamicSpecs } from './dynamic.children.js';
import { Backoff } from './backoff.js';
import { RestartIntensity } from './intensity.js';
import { restartGroup, restartsWithSibling, shouldRestart, type ExitKind } from './restart.decisions.js';
import type { ChildExit, SupervisedChild } from './supervised-child.js';
import type { Clock, RestartScheduler } from './timers.js';
import type { LocalLeases } from './unit.leases.js';

/** What a supervisor runtime needs from its host process. */
export interface RuntimeHost {
  /** Where this process's events go; the sink stamps pid, sequence numbers and time. */
  readonly sink: EventSink;
  /** Logs failures (with stacks) and warnings; undefined when logging is off. */
  readonly logger: LoggerService | undefined;
  /** The one monotonic clock of the host's supervisors. */
  readonly clock: Clock;
  /** Schedules the restarts of the host's supervisors (its zero-delay bursts are its own). */
  readonly restarts: RestartScheduler;
  /** Builds the adapter that runs `node` (a worker, or a supervisor in this or another process). */
  createChild(node: TreeNode): SupervisedChild;
  /** Where requests find this host's running supervisors by path; optional (a test host has none). */
  attach?(runtime: SupervisorRuntime): void;
  detach?(runtime: SupervisorRuntime): void;
  /** A node left the tree for good (deleted, scaled away): what waits for it is refused. Optional. */
  forget?(node: TreeNode): void;
  /** The app's `@Worker` classes by name, for startChild() and for restoring dynamic children. */
  readonly workers?: WorkerCatalog;
  /** Cluster mode: the leases held in this process; a placed child runs only while its lease is held here. */
  readonly leases?: LocalLeases;
}

/** The app's `@Worker` classes, as the process that runs a dynamic supervisor finds them. */
export interface WorkerCatalog {
  byName(name: string): { readonly type: Function & { prototype: unknown }; readonly options: WorkerOptions } | undefined;
}

/** One child as `whichChildren()` lists it. */
export interface ChildInfo {
  readonly path: string;
  readonly name: string;
  readonly kind: 'worker' | 'supervisor';
  /** Its state as its supervisor sees it; `terminated` after terminateChild() until restartChild(). */
  readonly state: NodeState;
  readonly restarts: number;
  /** A dynamic child's id. */
  readonly id?: string;
  /** A pool member's index. */
  readonly instance?: number;
}

/** `countChildren()`, as OTP's `count_children`. */
export interface ChildCounts {
  /** Every child, running or not. */
  readonly specs: number;
  /** Children running (or starting). */
  readonly active: number;
  readonly supervisors: number;
  readonly workers: number;
}

/**
 * How a supervisor's end reaches its parent: called once if it gives up, after it stopped all
 * its children (and, below the root, raised `escalated`). The parent sees it as its child's failure.
 */
export type OnGiveUp = (error: SupervisorGaveUpError) => void;

interface Slot {
  /** Its position among its siblings: start order, and what the strategies count. */
  index: number;
  readonly node: TreeNode;
  readonly child: SupervisedChild;
  /** Made at its first restart: most children of a large dynamic supervisor never need one. */
  backoff?: Backoff;
  status: NodeState;
  /** Restarts so far; the attempt number of the current start. */
  restarts: number;
  /** Bumped at each start and stop, so late news from an earlier run is ignored. */
  generation: number;
  startedAt: number;
  endedAt: number;
  pending?: PendingRestart;
  stopping?: Promise<void>;
  /** Stopped by terminateChild(): no policy or strategy restarts it until restartChild(). */
  terminated: boolean;
  /**
   * Cluster mode: a placed child whose lease is not held here. It is left out of every start and
   * restart until `startUnit()`, and `stopUnit()` parks it again.
   */
  parked: boolean;
}

interface PendingRestart {
  readonly members: Set<Slot>;
  readonly cancel: () => void;
}

type StartResult = { ok: true } | { ok: false; error?: unknown; aborted?: true };
const STARTED: StartResult = { ok: true };
const ABORTED: StartResult = { ok: false, aborted: true };

/**
 * One supervisor: starts its children in order, applies their restart policies, backoff, its
 * strategy and restart intensity, and stops them in reverse order. Every decision runs in one
 * serial mailbox, as in an OTP supervisor, so no two decisions interleave; stopping bypasses the
 * mailbox so a hung start cannot hold a shutdown. The same code supervises workers and
 * supervisors, in this process or in others: the difference lives in the {@link SupervisedChild}.
 */
export class SupervisorRuntime {
  private readonly slots: Slot[];
  /** Each pool's member as declared, to add members from at scale(). */
  private readonly pools = new Map<string, WorkerNode>();
  /** The slots by child path: per-child commands find theirs without a scan (a dynamic supervisor may have 100 000). */
  private readonly byPath = new Map<string, Slot>();
  /** The ids of the dynamic children: unique under this supervisor, whatever their class. */
  private readonly ids = new Set<string>();
  private readonly intensity: RestartIntensity;
  private mailbox: Promise<void> = Promise.resolve();
  private halted = false;
  private stopPromise?: Promise<void>;
  private readonly sink: EventSink;
  private readonly clock: Clock;

  constructor(
    readonly node: SupervisorNode,
    private readonly host: RuntimeHost,
    private readonly onGiveUp: OnGiveUp,
    /** A dynamic supervisor's children's specs, kept by its parent's adapter across its restarts. */
    private readonly specs?: DynamicSpecs,
  ) {
    this.sink = host.sink;
    this.clock = host.clock;
    this.intensity = new RestartIntensity(node.maxRestarts, node.withinMs);
    this.slots = node.children.map((child, index) => this.makeSlot(child, index));
    for (const child of node.children) {
      if (child.kind === 'worker' && child.pool !== undefined && !child.placement && !this.pools.has(child.pool)) this.pools.set(child.pool, child);
    }
    if (node.dynamic && specs) {
      if (!node.restoreChildren) specs.clear();
      for (const spec of specs.list()) {
        const child = this.dynamicNode(spec);
        if (!child) {
          host.logger?.warn(`${node.path}: cannot restore child ${spec.id}: no @Worker class ${spec.worker} in this process`);
          specs.remove(spec.id);
          continue;
        }
        this.slots.push(this.makeSlot(child, this.slots.length));
        this.ids.add(spec.id);
        this.sink.emit(childAddedEvent(child, spec.id, undefined));
      }
    }
    for (const slot of this.slots) this.byPath.set(slot.node.path, slot);
    host.attach?.(this);
  }

  private makeSlot(child: TreeNode, index: number): Slot {
    return {
      index,
      node: child,
      child: this.host.createChild(child),
      backoff: undefined,
      status: 'idle',
      restarts: 0,
      generation: 0,
      startedAt: 0,
      endedAt: 0,
      terminated: false,
      // A restarted parent finds the lease of a placed child still held, and starts it with the rest.
      parked: child.placement !== undefined && !(this.host.leases?.holds(child.path) ?? false),
    };
  }

  private dynamicNode(spec: DynamicChildData): WorkerNode | undefined {
    const worker = this.host.workers?.byName(spec.worker);
    if (!worker) return undefined;
    return dynamicChildNode(this.node, worker.type as WorkerNode['type'], worker.options, spec);
  }

  /**
   * Starts every child in declared order, each after the previous one is running. Resolves when
   * the sequence is done: children that failed to start are then waiting for their restart.
   */
  start(): Promise<void> {
    const started = this.enqueue(() => this.startInOrder(this.slots));
    // Exits that came in during the start wait one turn, so whoever awaited the start reports
    // it (a parent's `started`) before this supervisor reacts to them.
    void this.enqueue(() => new Promise((resolve) => setImmediate(resolve)));
    return started;
  }

  /** Stops every child in reverse order and cancels pending restarts. Idempotent. */
  stop(reason: StopReason = 'shutdown'): Promise<void> {
    this.stopPromise ??= (async () => {
      this.halted = true;
      for (const slot of this.slots) this.cancelPending(slot);
      await this.stopInReverse(this.slots, reason);
      await this.mailbox;
      this.host.detach?.(this);
    })();
    return this.stopPromise;
  }

  // ---- per-child control (each a command in the mailbox, so it never interleaves with a decision)

  /** Starts a dynamic child from its spec; resolves once it runs. A failed start leaves no child behind. */
  startChild(spec: DynamicChildData): Promise<{ path: string; id: string }> {
    return this.command('startChild', async () => {
      if (!this.node.dynamic) throw new NotDynamicError(this.node.path);
      const node = this.dynamicNode(spec);
      if (!node) throw new NotAWorkerError(spec.worker);
      if (this.ids.has(spec.id)) throw new ChildIdTakenError(this.node.path, spec.id);
      if (this.slots.length >= this.node.maxChildren) throw new MaxChildrenError(this.node.path, this.node.maxChildren);
      const slot = this.addSlot(node, this.slots.length, { id: spec.id });
      const result = await this.startSlot(slot);
      if (!result.ok) {
        this.removeSlot(slot, 'start-failed');
        if (result.aborted || this.halted) throw new NodeUnavailableError('startChild', node.path, 'stopping', 'its supervisor is stopping');
        throw new ChildStartError(node.path, { cause: result.error });
      }
      this.specs?.add(spec);
      return { path: node.path, id: spec.id };
    });
  }

  /** Stops a child and keeps it stopped until restartChild(). Idempotent. */
  terminateChild(path: string): Promise<void> {
    return this.command('terminateChild', async () => {
      const slot = this.slotAt(path);
      if (slot.terminated) return;
      await this.terminate(slot);
    });
  }

  /** Starts a terminated child again (its restart count unchanged). Rejects if it was not terminated or its start fails. */
  restartChild(path: string): Promise<void> {
    return this.command('restartChild', async () => {
      const slot = this.slotAt(path);
      if (!slot.terminated) throw new ChildStateError(path, 'restartChild', slot.status);
      slot.terminated = false;
      const result = await this.startSlot(slot);
      if (result.ok) return;
      slot.terminated = true;
      if (result.aborted || this.halted) throw new NodeUnavailableError('restartChild', path, 'stopping', 'its supervisor is stopping');
      throw new ChildStartError(path, { cause: result.error });
    });
  }

  /** Removes a dynamic child (stopping it first) or a terminated static one. */
  deleteChild(path: string): Promise<void> {
    return this.command('deleteChild', async () => {
      const slot = this.slotAt(path);
      const dynamic = slot.node.kind === 'worker' && slot.node.id !== undefined;
      if (!dynamic && !slot.terminated) throw new ChildStateError(path, 'deleteChild', slot.status);
      if (!slot.terminated) await this.terminate(slot);
      this.removeSlot(slot, 'deleted');
    });
  }

  /** Runs `n` members of the pool `pool`: starts the missing ones in order, or stops the highest first. */
  scale(pool: string, n: number): Promise<{ before: number; after: number }> {
    return this.command('scale', async () => {
      const template = this.pools.get(pool);
      if (!template) throw new NotAPoolError(pool);
      const members = this.slots.filter((s) => s.node.kind === 'worker' && s.node.pool === pool);
      const before = members.length;
      for (let i = before - 1; i >= n; i--) {
        const slot = members[i]!;
        if (!slot.terminated) await this.terminate(slot);
        this.removeSlot(slot, 'scaled-down');
      }
      const added: Slot[] = [];
      for (let i = before; i < n; i++) {
        const at = (added.at(-1) ?? members.at(-1))?.index ?? this.slots.length - 1;
        added.push(this.addSlot(poolMember(template, i), at + 1, { instance: i }));
      }
      if (added.length > 0) await this.startInOrder(added);
      return { before, after: n };
    });
  }

  whichChildren(): ChildInfo[] {
    return this.slots.map((s) => ({
      path: s.node.path,
      name: s.node.name,
      kind: s.node.kind,
      state: s.terminated ? 'terminated' : s.status,
      restarts: s.restarts,
      ...(s.node.kind === 'worker' && s.node.id !== undefined ? { id: s.node.id } : {}),
      ...(s.node.kind === 'worker' && s.node.instance !== undefined ? { instance: s.node.instance } : {}),
    }));
  }

  countChildren(): ChildCounts {
    let active = 0;
    let supervisors = 0;
    for (const s of this.slots) {
      if (!s.terminated && (s.status === 'running' || s.status === 'starting')) active += 1;
      if (s.node.kind === 'supervisor') supervisors += 1;
    }
    return { specs: this.slots.length, active, supervisors, workers: this.slots.length - supervisors };
  }

  /** True when `path` is a child of this supervisor. */
  hasChild(path: string): boolean {
    return this.byPath.has(path);
  }

  /** True when `path` is a placed child that is not running under a lease here (see `startUnit`). */
  isParked(path: string): boolean {
    return this.byPath.get(path)?.parked ?? false;
  }

  /**
   * Cluster mode: the lease of the placed child at `path` is held here now: start it (a command, in
   * order with the others). Resolves when its start sequence is done (running, or waiting for a
   * restart by its policy). Nothing happens if it runs already or its lease is gone again.
   */
  startUnit(path: string): Promise<void> {
    return this.command('startUnit', async () => {
      const slot = this.slotAt(path);
      if (!slot.parked || !(this.host.leases?.holds(path) ?? false)) return;
      slot.parked = false;
      if (slot.terminated) return;
      await this.startInOrder([slot]);
    });
  }

  /**
   * Cluster mode: the lease of the placed child at `path` is lost, handed off or given back: stop it
   * now (not behind the mailbox: a start or restart in progress is cut short) with `reason`, and
   * keep it parked. Not a failure: no restart, no intensity count, no escalation. Idempotent.
   */
  async stopUnit(path: string, reason: StopReason): Promise<void> {
    const slot = this.byPath.get(path);
    if (!slot) return;
    slot.parked = true;
    this.cancelPending(slot);
    await this.stopSlot(slot, reason);
  }

  /** Runs `op` in the mailbox and settles with its outcome; refused once this supervisor stops. */
  private command<T>(name: string, op: () => Promise<T>): Promise<T> {
    // Two promises per command: its outcome, and the mailbox's next link, which settles with it either way.
    const outcome = this.mailbox.then(() =>
      this.halted ? Promise.reject(new NodeUnavailableError(name, this.node.path, 'stopping', 'its supervisor is stopping')) : op(),
    );
    this.mailbox = outcome.then(ignore, ignore);
    return outcome;
  }

  private slotAt(path: string): Slot {
    const slot = this.byPath.get(path);
    if (!slot) throw new UnknownNodeError(path);
    return slot;
  }

  private async terminate(slot: Slot): Promise<void> {
    slot.terminated = true;
    this.cancelPending(slot);
    if (slot.status === 'starting' || slot.status === 'running' || slot.status === 'backoff' || slot.stopping) {
      await this.stopSlot(slot, 'terminated');
    } else {
      // Already down (it ended for good, or failed to start): only its state changes.
      slot.status = 'stopped';
      this.sink.emit(stoppedEvent(slot.node, 'terminated', false));
    }
  }

  private addSlot(node: TreeNode, index: number, ids: { id?: string; instance?: number }): Slot {
    const slot = this.makeSlot(node, index);
    if (index === this.slots.length) this.slots.push(slot);
    else this.slots.splice(index, 0, slot);
    this.byPath.set(node.path, slot);
    if (node.kind === 'worker' && node.id !== undefined) this.ids.add(node.id);
    this.reindex(index + 1);
    this.sink.emit(childAddedEvent(node, ids.id, ids.instance));
    return slot;
  }

  private removeSlot(slot: Slot, reason: ChildRemovedReason): void {
    const at = this.slots[slot.index] === slot ? slot.index : this.slots.indexOf(slot);
    if (at < 0) return;
    this.cancelPending(slot);
    slot.generation += 1;
    this.slots.splice(at, 1);
    this.byPath.delete(slot.node.path);
    if (slot.node.kind === 'worker' && slot.node.id !== undefined) this.ids.delete(slot.node.id);
    this.reindex(at);
    if (slot.node.kind === 'worker' && slot.node.id !== undefined) this.specs?.remove(slot.node.id);
    this.host.forget?.(slot.node);
    this.sink.emit(childRemovedEvent(slot.node, reason));
  }

  private reindex(from: number): void {
    for (let i = from; i < this.slots.length; i++) this.slots[i]!.index = i;
  }

  private enqueue(op: () => Promise<void>): Promise<void> {
    const next = this.mailbox.then(async () => {
      if (this.halted) return;
      try {
        await op();
      } catch (error) {
        this.host.logger?.error(`supervisor ${this.node.path}: internal error`, (error as Error)?.stack);
      }
    });
    this.mailbox = next;
    return next;
  }

  private async startInOrder(slots: readonly Slot[]): Promise<void> {
    let queue = [...slots];
    while (queue.length > 0 && !this.halted) {
      const slot = queue.shift()!;
      if (slot.parked) continue;
      const result = await this.startSlot(slot);
      if (result.ok || result.aborted || this.halted) continue;
      if (result.error instanceof SupervisorNotBootstrappedError) {
        // Misconfigured: every restart would fail the same way. No restart, no intensity count,
        // and its siblings start as if it had not been there.
        this.sink.emit(gaveUpEvent(slot.node, 'config', slot.restarts));
        continue;
      }
      // The strategy restarts these along with the one that failed to start: not now.
      const group = new Set(restartGroup(this.node.strategy, this.slots.length, slot.index));
      queue = queue.filter((s) => !group.has(s.index));
      await this.childDown(slot, 'failed', 0, result.error);
    }
  }

  private async startSlot(slot: Slot): Promise<StartResult> {
    const generation = ++slot.generation;
    const attempt = slot.restarts;
    slot.status = 'starting';
    this.sink.emit(startingEvent(slot.node, attempt));
    let info: Awaited<ReturnType<SupervisedChild['start']>>;
    try {
      info = await slot.child.start(attempt, (exit) => {
        void this.enqueue(() => this.onExit(slot, generation, exit));
      });
    } catch (error) {
      if (generation !== slot.generation) return ABORTED;
      slot.status = 'failed';
      slot.endedAt = this.clock.now();
      const phase = slot.node.kind === 'worker' ? 'init' : 'process';
      const info = toErrorInfo(error);
      this.sink.emit(failedEvent(slot.node, attempt, info, phase, 0));
      this.logFailure(slot, error, info);
      return { ok: false, error };
    }
    if (generation !== slot.generation) return ABORTED;
    slot.status = 'running';
    slot.startedAt = this.clock.now();
    this.sink.emit(startedEvent(slot.node, attempt, info?.processPid));
    if (attempt > 0) {
      this.sink.emit(restartedEvent(slot.node, attempt, round(slot.startedAt - slot.endedAt)));
    }
    return STARTED;
  }

  private async onExit(slot: Slot, generation: number, exit: ChildExit): Promise<void> {
    if (generation !== slot.generation || slot.status !== 'running') return;
    slot.endedAt = this.clock.now();
    const ranForMs = round(slot.endedAt - slot.startedAt);
    const attempt = slot.restarts;
    if (exit.kind === 'lease-lost') {
      // It stopped itself at its lease's deadline: parked until its lease is held (or renewed) here again.
      slot.parked = true;
      slot.status = 'stopped';
      this.sink.emit(stoppedEvent(slot.node, 'lease-lost', false));
      return;
    }
    if (exit.kind === 'normal') {
      slot.status = 'exited';
      this.sink.emit(exitedEvent(slot.node, attempt, ranForMs));
    } else {
      slot.status = 'failed';
      const info = toErrorInfo(exit.error);
      this.sink.emit(failedEvent(slot.node, attempt, info, exit.phase, ranForMs));
      this.logFailure(slot, exit.error, info);
    }
    await this.childDown(slot, exit.kind, ranForMs, exit.kind === 'failed' ? exit.error : undefined);
  }

  /** A child ended by itself (or failed to start): restart it, its group, or give up. */
  private async childDown(slot: Slot, exit: ExitKind, ranForMs: number, error?: unknown): Promise<void> {
    // A placed child whose lease went while it ended waits for its lease, not for a restart.
    if (slot.parked) return;
    if (!shouldRestart(slot.node.restart, exit, slot.restarts)) {
      this.sink.emit(gaveUpEvent(slot.node, 'policy', slot.restarts));
      // As OTP removes a temporary or transient dynamic child that ended for good.
      if (slot.node.kind === 'worker' && slot.node.id !== undefined) this.removeSlot(slot, 'ended');
      return;
    }
    if (!this.intensity.record(this.clock.now())) {
      await this.giveUp(slot, error);
      return;
    }
    const delayMs = round((slot.backoff ??= new Backoff(slot.node.backoff)).next(ranForMs));
    const siblings =
      this.node.strategy === 'one-for-one'
        ? NO_SLOTS
        : restartGroup(this.node.strategy, this.slots.length, slot.index)
            .filter((i) => i !== slot.index && !this.slots[i]!.terminated && !this.slots[i]!.parked)
            .map((i) => this.slots[i]!);
    if (siblings.length > 0) await this.stopInReverse(siblings, 'strategy');
    if (this.halted) return;

    const members = new Set<Slot>([slot]);
    for (const sibling of siblings) {
      if (sibling.generation === 0 || restartsWithSibling(sibling.node.restart, sibling.restarts)) members.add(sibling);
    }
    // A member already waiting for a restart joins this one: its earlier timer is cancelled.
    // (A Set visits members added while it is iterated: no copy needed.)
    for (const member of members) {
      const previous = member.pending;
      if (!previous) continue;
      previous.cancel();
      previous.members.forEach((m) => {
        m.pending = undefined;
        members.add(m);
      });
    }
    for (const member of members) {
      member.status = 'backoff';
      this.sink.emit(restartScheduledEvent(member.node, nextAttempt(member), delayMs, slot.node.path));
    }
    const pending: PendingRestart = {
      members,
      cancel: this.host.restarts.schedule(delayMs, () => {
        void this.enqueue(() => this.restart(pending));
      }),
    };
    for (const member of members) member.pending = pending;
  }

  private async restart(pending: PendingRestart): Promise<void> {
    const members = [...pending.members];
    if (members.length > 1) members.sort((a, b) => a.index - b.index);
    for (const member of members) {
      member.pending = undefined;
      member.restarts = nextAttempt(member);
    }
    // (startInOrder leaves out a member parked meanwhile.)
    await this.startInOrder(members);
  }

  private async giveUp(last: Slot, cause: unknown): Promise<void> {
    this.halted = true;
    for (const slot of this.slots) this.cancelPending(slot);
    const restarts = this.slots.reduce((sum, s) => sum + s.restarts, 0);
    this.sink.emit(gaveUpEvent(this.node, 'intensity', restarts));
    await this.stopInReverse(this.slots, 'supervisor-gave-up');
    this.host.detach?.(this);
    const error = new SupervisorGaveUpError(this.node.path, this.node.maxRestarts, this.node.withinMs, last.node.path, {
      cause,
    });
    this.host.logger?.error(error.message);
    // The root's end is the tree's: the lifecycle reports that as `tree-failed`.
    if (this.node.path !== ROOT_NAME) {
      this.sink.emit({ type: 'escalated', path: this.node.path, kind: 'supervisor', error: toErrorInfo(error) });
    }
    this.onGiveUp(error);
  }

  private async stopInReverse(slots: readonly Slot[], reason: StopReason): Promise<void> {
    for (const slot of [...slots].reverse()) await this.stopSlot(slot, reason);
  }

  private stopSlot(slot: Slot, reason: StopReason): Promise<void> {
    if (slot.stopping) return slot.stopping;
    if (slot.status === 'backoff') {
      this.cancelPending(slot);
      slot.status = 'stopped';
      this.sink.emit(stoppedEvent(slot.node, reason, false));
      return Promise.resolve();
    }
    if (slot.status !== 'starting' && slot.status !== 'running') return Promise.resolve();
    slot.generation += 1;
    slot.status = 'stopping';
    this.sink.emit(stoppingEvent(slot.node, reason));
    slot.stopping = slot.child.stop(reason).then((timedOut) => {
      slot.status = 'stopped';
      slot.endedAt = this.clock.now();
      slot.stopping = undefined;
      this.sink.emit(stoppedEvent(slot.node, reason, timedOut));
    });
    return slot.stopping;
  }

  private cancelPending(slot: Slot): void {
    const pending = slot.pending;
    if (!pending) return;
    pending.members.delete(slot);
    slot.pending = undefined;
    if (pending.members.size === 0) pending.cancel();
  }

  /**
   * Logs a failure with its stack, read through the event's `info`: the stack is formatted once, and
   * the event no longer keeps the error (and the frames V8 captured with it) once it is logged.
   */
  private logFailure(slot: Slot, error: unknown, info: ErrorInfo): void {
    const logger = this.host.logger;
    if (!logger) return;
    const stack = error instanceof Error ? info.stack : String(error);
    logger.error(`${slot.node.path} failed: ${error instanceof Error ? error.message : String(error)}`, stack);
  }
}

const NO_SLOTS: readonly Slot[] = [];
/** Settles the mailbox's link after a command, whatever its outcome (the caller has that). */
const ignore = (): void => undefined;

/** A child that never ran (held back when a sibling failed its first start) starts at attempt 0. */
function nextAttempt(slot: Slot): number {
  return slot.generation === 0 ? 0 : slot.restarts + 1;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
