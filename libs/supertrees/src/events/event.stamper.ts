import type { EventInput, ProcessEvent } from './supervision.events.js';

/** Gives each event this process raises its pid, its place in this process's sequence, and a time. */
export class EventStamper {
  private processSeq = 0;

  constructor(private readonly pid: number = process.pid) {}

  stamp(event: EventInput): ProcessEvent {
    this.processSeq += 1;
    return { ...event, pid: this.pid, processSeq: this.processSeq, timestamp: Date.now() } as ProcessEvent;
  }
}
