import type { EventStamper } from '../events/event.stamper.js';
import type { ProcessEvent } from '../events/supervision.events.js';
import type { ChildMessage } from './ipc.protocol.js';

/** How many events go in one IPC message. */
const BATCH = 256;

/** A channel to the parent: `process.send` in a supervisor process. */
export type SendFn = (message: ChildMessage, done: (error: Error | null) => void) => boolean;

/**
 * The events a supervisor process sends up, batched and sent only as fast as the parent reads
 * them: when `send()` reports a full pipe, it waits for the pipe to drain. The buffer is bounded;
 * past `capacity` the oldest events are dropped, counted per originating process, and reported
 * by an `events-dropped` event before the next batch, followed by a snapshot of the subtree so
 * the parent's view is right again.
 */
export class EventOutbox {
  private queue: ProcessEvent[] = [];
  private readonly dropped = new Map<number, number>();
  private blocked = false;
  private scheduled = false;
  private idle: (() => void)[] = [];
  private totalDropped = 0;

  constructor(
    private readonly send: SendFn,
    private readonly capacity: number,
    private readonly stamper: EventStamper,
    private readonly dropReport: { path: string; snapshot: () => ChildMessage | undefined },
  ) {}

  /** Events dropped so far. */
  get droppedCount(): number {
    return this.totalDropped;
  }

  push(event: ProcessEvent): void {
    this.queue.push(event);
    if (this.queue.length > this.capacity) {
      const lost = this.queue.shift()!;
      this.dropped.set(lost.pid, (this.dropped.get(lost.pid) ?? 0) + 1);
      this.totalDropped += 1;
    }
    this.schedule();
  }

  /** Resolves once everything queued so far has been handed to the channel and the pipe drained. */
  flush(): Promise<void> {
    if (this.queue.length === 0 && !this.blocked && this.dropped.size === 0) return Promise.resolve();
    this.schedule();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled || this.blocked) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  private drain(): void {
    while (!this.blocked && (this.queue.length > 0 || this.dropped.size > 0)) {
      const hadDrops = this.dropped.size > 0;
      const batch = [...this.takeDropReports(), ...this.queue.splice(0, BATCH)];
      this.write({ t: 'events', events: batch });
      if (hadDrops) {
        const snapshot = this.dropReport.snapshot();
        if (snapshot) this.write(snapshot);
      }
    }
    if (!this.blocked && this.queue.length === 0) {
      const waiting = this.idle;
      this.idle = [];
      waiting.forEach((resolve) => resolve());
    }
  }

  private write(message: ChildMessage): void {
    let done = false;
    const accepted = this.send(message, () => {
      done = true;
      if (!this.blocked) return;
      this.blocked = false;
      this.drain();
    });
    // A channel that is full says so and calls back once drained; a closed one calls back at once.
    if (!accepted && !done) this.blocked = true;
  }

  private takeDropReports(): ProcessEvent[] {
    const reports = [...this.dropped].map(([originPid, count]) =>
      this.stamper.stamp({ type: 'events-dropped', path: this.dropReport.path, kind: 'supervisor', count, originPid }),
    );
    this.dropped.clear();
    return reports;
  }
}
