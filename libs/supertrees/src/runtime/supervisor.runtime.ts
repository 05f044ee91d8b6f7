import type { LoggerService } from '@nestjs/common';
import { SupervisorGaveUpError } from '../errors/supervision-runtime.error.js';
import type { EventSink } from '../events/event.sink.js';
import {
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
import { toErrorInfo, type StopReason } from '../events/supervision.events.js';
import { ROOT_NAME } from '../shared/supervision.constants.js';
import type { SupervisorNode, TreeNode } from '../tree/tree.types.js';
import { Backoff } from './backoff.js';
import { RestartIntensity } from './intensity.js';
import { restartGroup, restartsWithSibling, shouldRestart, type ExitKind } from './restart.decisions.js';
import type { ChildExit, SupervisedChild } from './supervised-child.js';
import type { Clock, RestartScheduler } from './timers.js';

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
}

/**
 * How a supervisor's end reaches its parent: called once if it gives up, after it stopped all
 * its children (and, below the root, raised `escalated`). The parent sees it as its child's failure.
 */
export type OnGiveUp = (error: SupervisorGaveUpError) => void;

interface Slot {
  readonly index: number;
  readonly node: TreeNode;
  readonly child: SupervisedChild;
  readonly backoff: Backoff;
  status: NodeState;
  /** Restarts so far; the attempt number of the current start. */
  restarts: number;
  /** Bumped at each start and stop, so late news from an earlier run is ignored. */
  generation: number;
  startedAt: number;
  endedAt: number;
  pending?: PendingRestart;
  stopping?: Promise<void>;
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
  ) {
    this.sink = host.sink;
    this.clock = host.clock;
    this.intensity = new RestartIntensity(node.maxRestarts, node.withinMs);
    this.slots = node.children.map((child, index) => ({
      index,
      node: child,
      child: host.createChild(child),
      backoff: new Backoff(child.backoff),
      status: 'idle',
      restarts: 0,
      generation: 0,
      startedAt: 0,
      endedAt: 0,
    }));
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
    })();
    return this.stopPromise;
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
      const result = await this.startSlot(slot);
      if (result.ok || result.aborted || this.halted) continue;
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
      this.sink.emit(failedEvent(slot.node, attempt, toErrorInfo(error), phase, 0));
      this.logFailure(slot, error);
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
    if (exit.kind === 'normal') {
      slot.status = 'exited';
      this.sink.emit(exitedEvent(slot.node, attempt, ranForMs));
    } else {
      slot.status = 'failed';
      this.sink.emit(failedEvent(slot.node, attempt, toErrorInfo(exit.error), exit.phase, ranForMs));
      this.logFailure(slot, exit.error);
    }
    await this.childDown(slot, exit.kind, ranForMs, exit.kind === 'failed' ? exit.error : undefined);
  }

  /** A child ended by itself (or failed to start): restart it, its group, or give up. */
  private async childDown(slot: Slot, exit: ExitKind, ranForMs: number, error?: unknown): Promise<void> {
    if (!shouldRestart(slot.node.restart, exit, slot.restarts)) {
      this.sink.emit(gaveUpEvent(slot.node, 'policy', slot.restarts));
      return;
    }
    if (!this.intensity.record(this.clock.now())) {
      await this.giveUp(slot, error);
      return;
    }
    const delayMs = round(slot.backoff.next(ranForMs));
    const siblings =
      this.node.strategy === 'one-for-one'
        ? NO_SLOTS
        : restartGroup(this.node.strategy, this.slots.length, slot.index)
            .filter((i) => i !== slot.index)
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
    await this.startInOrder(members);
  }

  private async giveUp(last: Slot, cause: unknown): Promise<void> {
    this.halted = true;
    for (const slot of this.slots) this.cancelPending(slot);
    const restarts = this.slots.reduce((sum, s) => sum + s.restarts, 0);
    this.sink.emit(gaveUpEvent(this.node, 'intensity', restarts));
    await this.stopInReverse(this.slots, 'supervisor-gave-up');
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

  private logFailure(slot: Slot, error: unknown): void {
    const logger = this.host.logger;
    if (!logger) return;
    const stack = error instanceof Error ? error.stack : String(error);
    logger.error(`${slot.node.path} failed: ${error instanceof Error ? error.message : String(error)}`, stack);
  }
}

const NO_SLOTS: readonly Slot[] = [];

/** A child that never ran (held back when a sibling failed its first start) starts at attempt 0. */
function nextAttempt(slot: Slot): number {
  return slot.generation === 0 ? 0 : slot.restarts + 1;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
