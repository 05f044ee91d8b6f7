import { Injectable } from '@nestjs/common';
import { Subject } from 'rxjs';
import { SnapshotStore } from './snapshot.js';
import type { ProcessEvent, SupervisionEvent } from './supervision.events.js';

/**
 * The main process's one stream of events, from every process of the tree. It gives each event
 * its `seq`, folds it into the snapshot before anyone sees it, then publishes it. A subscriber
 * cannot disturb it: an error thrown in one goes to RxJS's `config.onUnhandledError` (by default
 * rethrown asynchronously, which ends the process unless handled), never to the tree or to the
 * other subscribers, which go on receiving.
 */
@Injectable()
export class SupervisionEventBus {
  private readonly subject = new Subject<SupervisionEvent>();
  private seq = 0;
  private done = false;
  readonly events$ = this.subject.asObservable();

  constructor(private readonly store: SnapshotStore) {}

  /** Publishes `event`, which becomes the bus's: it is given its `seq` in place, not copied. */
  publish(event: ProcessEvent): void {
    if (this.done) return;
    this.seq += 1;
    const full = event as SupervisionEvent & { seq: number };
    (full as { seq: number }).seq = this.seq;
    this.store.apply(full);
    this.subject.next(full);
  }

  /** Ends the stream for every subscriber (at shutdown). */
  complete(): void {
    this.done = true;
    this.subject.complete();
  }
}
