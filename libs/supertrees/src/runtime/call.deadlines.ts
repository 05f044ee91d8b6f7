import type { Clock } from './timers.js';

/** Something that gives up at `deadline` (a clock time in ms) unless it settled before. */
export interface Expiring {
  readonly deadline: number;
  expire(): void;
}

/**
 * The time limits of every pending call of one process, on one timer armed for the earliest
 * deadline. A timer per call would cost more than the rest of an in-process call together; calls
 * with one timeout arrive in deadline order, so the timer is re-armed only when it fires. It does
 * not hold the process open (a caller's own work does); {@link dispose} clears it.
 */
export class CallDeadlines {
  private readonly pending = new Set<Expiring>();
  private timer?: NodeJS.Timeout;
  private armedFor = Number.POSITIVE_INFINITY;

  constructor(private readonly clock: Clock) {}

  add(call: Expiring): void {
    this.pending.add(call);
    if (call.deadline < this.armedFor) this.arm(call.deadline);
  }

  remove(call: Expiring): void {
    this.pending.delete(call);
  }

  get size(): number {
    return this.pending.size;
  }

  /** Clears the timer; what is still pending is the owner's to settle. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    this.pending.clear();
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
    for (const call of this.pending) {
      if (call.deadline <= now) {
        this.pending.delete(call);
        call.expire();
      } else if (call.deadline < next) {
        next = call.deadline;
      }
    }
    if (next !== Number.POSITIVE_INFINITY) this.arm(next);
  };
}
