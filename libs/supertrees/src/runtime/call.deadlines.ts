import type { Clock } from './timers.js';

/** Something that gives up `timeoutMs` after it was added, unless it `settled` before. */
export interface Expiring {
  /** The clock time it gives up at: set by {@link CallDeadlines} when it stamps the call, not read before (NaN or undefined until then). */
  deadline: number;
  readonly timeoutMs: number;
  readonly settled: boolean;
  expire(): void;
}

/**
 * Something that keeps its pending calls itself (a mailbox, in its queue and its handling places)
 * and hands over those of the current turn when it ends, instead of adding each ({@link CallDeadlines.addHolder}).
 */
export interface CallHolder {
  /** Pushes onto `into` every call it holds that has no deadline yet; it is then no longer added for this turn. */
  collectFresh(into: Expiring[]): void;
}

/** The longest delay `setTimeout` honours (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;
/** Entries a lane holds, settled ones included, before it is first compacted. */
const COMPACT_AFTER = 1_024;
/** Calls added in one turn before they are stamped anyway: a loop of calls that never yields to the event loop holds no more. */
const STAMP_AFTER = 1_024;

/**
 * The time limits of every pending call of one process, on one timer armed for the earliest
 * deadline. A timer per call, or a set of pending calls, would cost more than the rest of an
 * in-process call together; so would reading the clock for each call (a system call on some
 * virtual machines: most of an in-process call's cost there). So adding a call is one push onto
 * the calls of the current event-loop turn: at the end of the turn (a `setImmediate`, one per turn
 * that added calls) the clock is read once, the calls that settled meanwhile are dropped unseen,
 * and the others get their deadline, that time plus their timeout. A call therefore never expires
 * early, and late by at most the rest of the turn it was made in (no timer could fire in it anyway).
 *
 * Calls with one timeout are stamped in deadline order (the clock is monotonic), so each timeout
 * has a lane, a queue in deadline order: stamping is a push, and a call that settles is only marked
 * so (by its owner); the timer sweeps each lane from its head, and a lane full of settled calls is
 * compacted now and then. The timer does not hold the process open (the caller's own work does);
 * {@link dispose} clears it.
 */
export class CallDeadlines {
  private readonly lanes = new Map<number, Lane>();
  /** Calls added in this turn of the event loop, not stamped yet. */
  private fresh: Expiring[] = [];
  /** Holders with calls made in this turn: their calls are collected when it ends. */
  private readonly holders: CallHolder[] = [];
  private spare: Expiring[] = [];
  private stamping?: NodeJS.Immediate;
  private timer?: NodeJS.Timeout;
  private armedFor = Number.POSITIVE_INFINITY;

  constructor(private readonly clock: Clock) {}

  add(call: Expiring): void {
    const fresh = this.fresh;
    fresh.push(call);
    if (fresh.length >= STAMP_AFTER) this.stampFresh();
    else if (!this.stamping) this.stampAtEndOfTurn();
  }

  /**
   * `holder` made calls in this turn: they get their deadlines at its end, as those of {@link add}
   * do, collected from the holder then. Once per turn per holder; nothing is kept per call, so a call
   * settled within its turn (most in-process calls) costs the deadlines nothing at all.
   */
  addHolder(holder: CallHolder): void {
    this.holders.push(holder);
    if (!this.stamping) this.stampAtEndOfTurn();
  }

  private stampAtEndOfTurn(): void {
    this.stamping = setImmediate(this.stamp);
    this.stamping.unref();
  }

  /** Calls held, settled ones not yet swept included (for tests and leaks); a holder's calls count once stamped. */
  get size(): number {
    let size = this.fresh.length;
    for (const lane of this.lanes.values()) size += lane.length;
    return size;
  }

  /** Clears the timers and forgets every call; settling them is their owner's business. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.stamping) clearImmediate(this.stamping);
    this.timer = undefined;
    this.stamping = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    this.lanes.clear();
    // Collected only so that each holder knows it is no longer added.
    this.collectHolders();
    this.fresh.length = 0;
  }

  /**
   * Clears the timers if every call held has settled (what a tree that stopped cleanly leaves);
   * otherwise they stay, to time out the rest.
   */
  releaseIfIdle(): void {
    if (this.holders.length > 0 || this.fresh.some((call) => !call.settled)) return;
    for (const lane of this.lanes.values()) if (lane.holdsPending()) return;
    this.dispose();
  }

  /** The end of a turn that added calls: those still pending get their deadline and a place in their lane. */
  private readonly stamp = (): void => {
    this.stamping = undefined;
    this.stampFresh();
  };

  private collectHolders(): void {
    const holders = this.holders;
    for (let i = 0; i < holders.length; i++) holders[i]!.collectFresh(this.fresh);
    holders.length = 0;
  }

  private stampFresh(): void {
    if (this.holders.length > 0) this.collectHolders();
    const fresh = this.fresh;
    // Two arrays taking turns: no allocation per turn.
    this.fresh = this.spare;
    this.spare = fresh;
    let now = Number.NaN;
    let lane: Lane | undefined;
    let laneTimeout = Number.NaN;
    for (let i = 0; i < fresh.length; i++) {
      const call = fresh[i]!;
      if (call.settled) continue;
      if (now !== now) now = this.clock.now();
      call.deadline = now + call.timeoutMs;
      if (call.timeoutMs !== laneTimeout) {
        laneTimeout = call.timeoutMs;
        lane = this.lanes.get(laneTimeout);
        if (!lane) {
          lane = new Lane();
          this.lanes.set(laneTimeout, lane);
        }
      }
      lane!.push(call);
      if (call.deadline < this.armedFor) this.arm(call.deadline);
    }
    fresh.length = 0;
  }

  private arm(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.armedFor = at;
    // +1: a timer may fire a fraction of a millisecond early; then nothing would be due yet.
    // Capped at the longest delay a Node timer takes (longer ones fire after 1 ms); a sweep then finds nothing due and re-arms.
    this.timer = setTimeout(this.fire, Math.min(MAX_TIMER_MS, Math.max(0, Math.ceil(at - this.clock.now())) + 1));
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

  holdsPending(): boolean {
    for (let i = this.head; i < this.items.length; i++) if (!this.items[i]!.settled) return true;
    return false;
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
