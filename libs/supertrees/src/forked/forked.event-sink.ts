import type { EventSink } from '../events/event.sink.js';
import { EventStamper } from '../events/event.stamper.js';
import type { NodeSnapshot, SnapshotStore } from '../events/snapshot.js';
import type { EventInput, ProcessEvent } from '../events/supervision.events.js';
import type { EventOutbox } from './forked.outbox.js';

/**
 * The pipeline of a supervisor process: each event is folded into the process's own snapshot of
 * its subtree (what it sends up when it had to drop events) and queued in the outbox to the parent.
 */
export class ForkedEventSink implements EventSink {
  constructor(
    private readonly stamper: EventStamper,
    private readonly store: SnapshotStore,
    private readonly outbox: EventOutbox,
  ) {}

  emit(event: EventInput): void {
    const stamped = this.stamper.stamp(event);
    this.store.apply(stamped);
    this.outbox.push(stamped);
  }

  forward(event: ProcessEvent): void {
    this.store.apply(event);
    this.outbox.push(event);
  }

  forwardSnapshot(root: NodeSnapshot): void {
    this.store.merge(root);
    this.outbox.requestSnapshot();
  }
}
