import type { Clock } from './timers.js';

/** Something that gives up at `deadline` (a clock time in ms) unless it `settled` before. */
export interface Expiring {
  readonly deadline: number;
  readonly timeoutMs: number;
  readonly settled: boolean;
  expire(): void;
}

/** Entries a lane holds, settled ones included, before it is first compacted. */
const COMPACT_AFTER = 1_024;

/**
 * The time limits of every pending call of one process, on one timer armed for the earliest
 * deadline. A timer per call, or a set of pending calls, would cost more than the rest of an
 * in-process call together. Calls with one timeout arrive in deadline order (the clock is
 * monotonic), so each timeout has a lane, a queue in deadline order: adding is a push, and a call
 * that settles is only marked so (by its owner); the timer sweeps each lane from its head, and a
 * lane full of settled calls is compacted now and then. The timer does not hold the process open
 * (the caller's own work does); {@link dispose} clears it.
 */
export class CallDeadlines {
  private readonly lanes = new Map<number, Lane>();
  private timer?: NodeJS.Timeout;
  private armedFor = Number.POSITIVE_INFINITY;

  constructor(private readonly clock: Clock) {}

  add(call: Expiring): void {
    let lane = this.lanes.get(call.timeoutMs);
    if (!lane) {
      lane = new Lane();
      this.lanes.set(call.timeoutMs, lane);
    }
    lane.push(call);
    if (call.deadline < this.armedFor) this.arm(call.deadline);
  }

  /** Calls held, settled ones not yet swept included (for tests and leaks). */
  get size(): number {
    let size = 0;
    for (const lane of this.lanes.values()) size += lane.length;
    return size;
  }

  /** Clears the timer and forgets every call; settling them is their owner's business. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    this.lanes.clear();
  }

  private arm(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.armedFor = at;
    // +1: a timer may fire a fraction of a millisecond early; then nothing would be due yet.
    this.timer = setTimeout(this.fire, Math.max(0, Math.ceil(at - this.clock.now())) + 1);
    this.timer.unref();
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    const now = this.clock.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [timeoutMs, lane] of this.lanes) {
      const head = lane.sweep(now);
      if (head === undefined) this.lanes.delete(timeoutMs);
      else if (head < next) next = head;
    }
    if (next !== Number.POSITIVE_INFINITY) this.arm(next);
  };
}

/** The calls of one timeout, in deadline order. */
class Lane {
  private items: Expiring[] = [];
  private head = 0;
  /** The length at which the next compaction runs: twice what the last one kept, so its cost is spread thin. */
  private compactAt = COMPACT_AFTER;

  get length(): number {
    return this.items.length - this.head;
  }

  push(call: Expiring): void {
    this.items.push(call);
    if (this.items.length >= this.compactAt) this.compact();
  }

  /** Expires what is due; returns the next deadline, or undefined when the lane is empty. */
  sweep(now: number): number | undefined {
    while (this.head < this.items.length) {
      const call = this.items[this.head]!;
      if (!call.settled && call.deadline > now) break;
      this.head += 1;
      if (!call.settled) call.expire();
    }
    this.compact();
    return this.items.length > 0 ? this.items[0]!.deadline : undefined;
  }

  /** Drops settled calls and the swept head; keeps the order. */
  private compact(): void {
    const kept: Expiring[] = [];
    for (let i = this.head; i < this.items.length; i++) if (!this.items[i]!.settled) kept.push(this.items[i]!);
    this.items = kept;
    this.head = 0;
    this.compactAt = Math.max(COMPACT_AFTER, kept.length * 2);
  }
}
