import type { EventInput, ProcessEvent } from './supervision.events.js';

/** Stamps that may share one reading of the wall clock, within one turn of the event loop. */
const STAMPS_PER_READING = 16;

/**
 * Gives each event this process raises its pid, its place in this process's sequence, and a time.
 * The time is `Date.now()`, read once for up to {@link STAMPS_PER_READING} events of one turn of
 * the event loop rather than for each: on some virtual machines a clock read is a system call,
 * dearer than the rest of an event, and starting and stopping a child raises five. Events raised
 * in a burst thus share a millisecond stamp; their order is `processSeq`'s.
 */
export class EventStamper {
  private processSeq = 0;
  private reading = 0;
  /** Stamps left on the current reading; 0: read the clock at the next stamp. */
  private left = 0;
  private turnEnd?: NodeJS.Immediate;

  constructor(private readonly pid: number = process.pid) {}

  /** Stamps `event` in place (it is a fresh object its raiser hands over) and returns it. */
  stamp(event: EventInput): ProcessEvent {
    this.processSeq += 1;
    const stamped = event as Mutable<ProcessEvent>;
    stamped.pid = this.pid;
    stamped.processSeq = this.processSeq;
    stamped.timestamp = this.now();
    return stamped as ProcessEvent;
  }

  private now(): number {
    if (this.left === 0) {
      this.reading = Date.now();
      this.left = STAMPS_PER_READING;
      if (!this.turnEnd) {
        this.turnEnd = setImmediate(this.endTurn);
        this.turnEnd.unref();
      }
    }
    this.left -= 1;
    return this.reading;
  }

  private readonly endTurn = (): void => {
    this.turnEnd = undefined;
    this.left = 0;
  };
}

/** `T` with its fields writable: for completing a fresh event in place. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };
