import { Injectable } from '@nestjs/common';
import { SupervisionEventBus } from './event.bus.js';
import type { EventSink } from './event.sink.js';
import { EventStamper } from './event.stamper.js';
import { SnapshotStore, type NodeSnapshot } from './snapshot.js';
import type { EventInput, ProcessEvent } from './supervision.events.js';

/** The main process's pipeline: every event, its own or forwarded, goes into the one stream. */
@Injectable()
export class MainEventSink implements EventSink {
  private readonly stamper = new EventStamper();

  constructor(
    private readonly bus: SupervisionEventBus,
    private readonly store: SnapshotStore,
  ) {}

  emit(event: EventInput): void {
    this.bus.publish(this.stamper.stamp(event));
  }

  forward(event: ProcessEvent): void {
    this.bus.publish(event);
  }

  forwardSnapshot(root: NodeSnapshot): void {
    this.store.merge(root);
  }
}
