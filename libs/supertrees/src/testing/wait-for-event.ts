import type { Observable } from 'rxjs';
import type {
  SupervisionEvent,
  SupervisionEventType,
  SupervisionService,
} from '../index.js';
import type { EventMatch, MatchedEvent } from './event.matching.js';
import { EventRecorder, type WaitOptions } from './event.recorder.js';

/** Where events come from: the service, any event stream, or a recorder (whose history counts too). */
export type EventSource =
  | Pick<SupervisionService, 'events$'>
  | Observable<SupervisionEvent>
  | EventRecorder;

/**
 * Resolves with the first event that matches `match`, without sleeping; rejects with an
 * {@link EventTimeoutError} that lists the events seen meanwhile when none comes within
 * `timeoutMs`. The service and a plain stream are hot: call it before whatever causes the event
 * (and await it after); a {@link EventRecorder} also finds the events it recorded already.
 *
 * ```ts
 * const restarted = waitForEvent(service, { type: 'restarted', path: 'root/Feed' });
 * await jest.advanceTimersByTimeAsync(1_000);
 * await restarted;
 * ```
 */
export function waitForEvent<T extends SupervisionEventType>(
  source: EventSource,
  match: EventMatch<T>,
  options: WaitOptions = {},
): Promise<MatchedEvent<T>> {
  return waitForEvents(source, match, 1, options).then(([event]) => event!);
}

/** Like {@link waitForEvent}, for the first `count` matching events. */
export async function waitForEvents<T extends SupervisionEventType>(
  source: EventSource,
  match: EventMatch<T>,
  count: number,
  options: WaitOptions = {},
): Promise<MatchedEvent<T>[]> {
  if (source instanceof EventRecorder)
    return source.waitForCount(match, count, options);
  const recorder = new EventRecorder(
    'events$' in source ? source.events$ : source,
  );
  try {
    return await recorder.waitForCount(match, count, options);
  } finally {
    recorder.stop();
  }
}
