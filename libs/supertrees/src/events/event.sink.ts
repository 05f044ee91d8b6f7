import type { NodeSnapshot } from './snapshot.js';
import type { EventInput, ProcessEvent } from './supervision.events.js';

/**
 * Where the events of one process go. There are two: in the main process, into the one stream and
 * snapshot ({@link MainEventSink}); in a supervisor process, into its local snapshot and up to the
 * parent (`ForkedEventSink`). The runtime raises its events through `emit`; the parent's handle on
 * a supervisor process passes on what that process reported through `forward` and
 * `forwardSnapshot`.
 */
export interface EventSink {
  /** An event this process raised: stamped here with pid, process sequence number and time. */
  emit(event: EventInput): void;
  /** An event a supervisor process below reported, stamped there and already checked. */
  forward(event: ProcessEvent): void;
  /** A supervisor process's own account of its subtree, sent after it had to drop events. */
  forwardSnapshot(root: NodeSnapshot): void;
}
