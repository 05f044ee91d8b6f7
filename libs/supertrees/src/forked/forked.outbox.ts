import type { EventStamper } from '../events/event.stamper.js';
import type { ProcessEvent } from '../events/supervision.events.js';
import { EventEncoder, type WireEvent } from '../process/event.wire.js';
import type { UpMessage } from '../process/ipc.protocol.js';

/** How many events go in one IPC message. */
const BATCH = 256;

/** A channel to the parent: `process.send` in a supervisor process. */
export type SendFn = (message: UpMessage, done: (error: Error | null) => void) => boolean;

/** A message that must not overtake the events pushed before it (a reply to a command). */
interface Ordered {
  /** How many events had been pushed when it was given: it goes once that many have left the queue. */
  readonly after: number;
  readonly message: UpMessage;
  readonly onError: (error: unknown) => void;
}

/**
 * The events a supervisor process sends up, batched and sent only as fast as the parent reads
 * them: when `send()` reports a full pipe, it waits for the pipe to drain. The buffer is bounded;
 * past `capacity` the oldest events are dropped, counted per originating process, and reported
 * by an `events-dropped` event before the next batch, followed by a snapshot of the subtree so
 * the parent's view is right again. Replies go through it too ({@link sendAfterQueued}), so that
 * the parent never learns a command's outcome before the events that came before it.
 */
export class EventOutbox {
  private queue: ProcessEvent[] = [];
  private readonly dropped = new Map<number, number>();
  private blocked = false;
  private scheduled = false;
  private idle: (() => void)[] = [];
  private written = 0;
  /** Messages handed to the channel whose write has not completed: an exit now would lose them. */
  private inFlight = 0;
  private blockedBy = 0;
  private snapshotDue = false;
  /** Events pushed so far, and of those, gone from the queue (written or dropped). */
  private pushed = 0;
  private taken = 0;
  private ordered: Ordered[] = [];
  /** This channel's side of the path table: one outbox per supervisor process, one table per channel. */
  private readonly encoder = new EventEncoder();

  constructor(
    private readonly send: SendFn,
    private readonly capacity: number,
    private readonly stamper: EventStamper,
    private readonly dropReport: { path: string; snapshot: () => UpMessage | undefined },
  ) {}

  push(event: ProcessEvent): void {
    this.queue.push(event);
    this.pushed += 1;
    if (this.queue.length > this.capacity) {
      const lost = this.queue.shift()!;
      this.taken += 1;
      this.dropped.set(lost.pid, (this.dropped.get(lost.pid) ?? 0) + 1);
    }
    // A full batch goes now rather than at the next turn: queued events are what a young-generation
    // collection has to copy (and promote), and a burst of restarts queues thousands per turn.
    if (this.queue.length >= BATCH && !this.blocked) this.drain();
    else this.schedule();
  }

  /**
   * Sends `message` once every event pushed before it has been written (or dropped): at once when
   * none waits. A reply sent past the queue would let the parent act on a command's outcome before
   * the events that preceded it (a `child-removed` of an id arriving after the reply that re-added
   * it would drop the new child's spec). `onError` gets a `send()` that throws (a value JSON cannot carry).
   */
  sendAfterQueued(message: UpMessage, onError: (error: unknown) => void): void {
    // At once only when nothing is owed before it: no event, no drop report, no snapshot.
    if (this.ordered.length === 0 && this.taken === this.pushed && this.dropped.size === 0 && !this.snapshotDue) {
      try {
        this.write(message);
      } catch (error) {
        onError(error);
      }
      return;
    }
    this.ordered.push({ after: this.pushed, message, onError });
    this.schedule();
  }

  /** Sends a fresh snapshot of the subtree after what is queued (a descendant corrected its part of it). */
  requestSnapshot(): void {
    this.snapshotDue = true;
    this.schedule();
  }

  /** Resolves once everything queued so far has been written to the channel (so the process may exit). */
  flush(): Promise<void> {
    if (this.queue.length === 0 && !this.blocked && this.inFlight === 0 && this.dropped.size === 0 && !this.snapshotDue && this.ordered.length === 0) {
      return Promise.resolve();
    }
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
    while (!this.blocked && (this.queue.length > 0 || this.dropped.size > 0 || this.snapshotDue || this.ordered.length > 0)) {
      if (this.dropped.size > 0) this.snapshotDue = true;
      // A batch ends where the next reply goes: the events after it must not precede it either.
      const limit = this.ordered.length > 0 ? this.ordered[0]!.after - this.taken : BATCH;
      if ((this.queue.length > 0 && limit > 0) || this.dropped.size > 0) {
        this.writeBatch(limit);
        if (this.blocked) break;
      }
      if (this.snapshotDue) {
        this.snapshotDue = false;
        const snapshot = this.dropReport.snapshot();
        if (snapshot) this.write(snapshot);
        if (this.blocked) break;
      }
      // A reply goes after the snapshot that stands in for the events dropped before it.
      this.writeOrdered();
    }
    this.settleIdle();
  }


  /** The ordered messages whose events are out (a full pipe keeps them in order behind those). */
  private writeOrdered(): void {
    while (this.ordered.length > 0 && this.ordered[0]!.after <= this.taken) {
      const { message, onError } = this.ordered.shift()!;
      try {
        this.write(message);
      } catch (error) {
        onError(error);
      }
    }
  }

  private settleIdle(): void {
    if (this.blocked || this.inFlight > 0 || this.queue.length > 0 || this.dropped.size > 0 || this.snapshotDue || this.ordered.length > 0) return;
    const waiting = this.idle;
    this.idle = [];
    waiting.forEach((resolve) => resolve());
  }

  /** The drop reports, then up to {@link BATCH} (and at most `limit`) queued events, in one message. */
  private writeBatch(limit: number): void {
    const events: WireEvent[] = [];
    if (this.dropped.size > 0) for (const report of this.takeDropReports()) events.push(this.encoder.encode(report));
    const count = Math.max(0, Math.min(BATCH, this.queue.length, limit));
    for (let i = 0; i < count; i += 1) events.push(this.encoder.encode(this.queue[i]!));
    this.queue.splice(0, count);
    this.taken += count;
    const { first, paths } = this.encoder.takePaths();
    this.write({ t: 'events', first, paths, events });
  }

  private write(message: UpMessage): void {
    let done = false;
    const id = ++this.written;
    this.inFlight += 1;
    let accepted: boolean;
    try {
      accepted = this.send(message, () => {
        done = true;
        this.inFlight -= 1;
        if (this.blockedBy === id) {
          this.blockedBy = 0;
          this.blocked = false;
          this.drain();
        } else if (this.inFlight === 0) {
          this.settleIdle();
        }
      });
    } catch (error) {
      // Nothing was written (a message JSON cannot carry): no callback will come.
      if (!done) this.inFlight -= 1;
      throw error;
    }
    // A channel that is full says so and calls back once that message went out; a closed one calls back at once.
    if (!accepted && !done) {
      this.blocked = true;
      this.blockedBy = id;
    }
  }


  private takeDropReports(): ProcessEvent[] {
    const reports = [...this.dropped].map(([originPid, count]) =>
      this.stamper.stamp({ type: 'events-dropped', path: this.dropReport.path, kind: 'supervisor', count, originPid }),
    );
    this.dropped.clear();
    return reports;
  }
}
