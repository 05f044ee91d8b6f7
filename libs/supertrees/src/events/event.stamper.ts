import type { EventInput, ProcessEvent } from './supervision.events.js';

/** Gives each event this process raises its pid, its place in this process's sequence, and a time. */
export class EventStamper {
  private processSeq = 0;

  constructor(private readonly pid: number = process.pid) {}

  /** Stamps `event` in place (it is a fresh object its raiser hands over) and returns it. */
  stamp(event: EventInput): ProcessEvent {
    this.processSeq += 1;
    const stamped = event as Mutable<ProcessEvent>;
    stamped.pid = this.pid;
    stamped.processSeq = this.processSeq;
    stamped.timestamp = Date.now();
    return stamped as ProcessEvent;
  }
}

/** `T` with its fields writable: for completing a fresh event in place. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };
