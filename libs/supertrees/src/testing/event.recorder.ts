import { clearTimeout, setTimeout } from 'node:timers';
import type { Observable, Subscription } from 'rxjs';
import type { SupervisionEvent, SupervisionEventType } from '../index.js';
import {
  describeMatch,
  matches,
  type EventMatch,
  type MatchedEvent,
} from './event.matching.js';
import { EventTimeoutError } from './testing.errors.js';
import { TESTING_MESSAGES } from './testing.messages.js';

/** Options of a wait for events. */
export interface WaitOptions {
  /** How long to wait before failing with an {@link EventTimeoutError}. Default 10 000 ms. */
  readonly timeoutMs?: number;
}

export const DEFAULT_WAIT_TIMEOUT_MS = 10_000;

interface Waiter {
  readonly accept: (event: SupervisionEvent) => boolean;
  readonly count: number;
  readonly found: SupervisionEvent[];
  /** Ends the wait: with the events found, or because the stream completed, or with an error. */
  settle(outcome: 'found' | 'completed' | Error): void;
}

/**
 * Records every event of a stream from the moment it is created, and lets a test wait for the
 * ones it expects, those already recorded included: subscribe before `init()`, and no event of
 * the start is missed. Its timeouts run on Node's own timers (from `node:timers`), which Jest's
 * and Vitest's fake timers leave alone, so a test may fake the clock the library runs on and
 * still have its waits time out.
 */
export class EventRecorder {
  /** Every event so far, in order. */
  readonly events: SupervisionEvent[] = [];
  private readonly waiters = new Set<Waiter>();
  private readonly subscription: Subscription;
  private ended = false;

  /** @param defaults.timeoutMs the timeout of its waits that set none. Default 10 000 ms. */
  constructor(
    events$: Observable<SupervisionEvent>,
    private readonly defaults: WaitOptions = {},
  ) {
    this.subscription = events$.subscribe({
      next: (event) => {
        this.events.push(event);
        for (const waiter of this.waiters) {
          let accepted: boolean;
          try {
            accepted = waiter.accept(event);
          } catch (error) {
            // A `where` that throws fails its own wait, never the stream it listens to.
            waiter.settle(
              error instanceof Error ? error : new Error(String(error)),
            );
            continue;
          }
          if (!accepted) continue;
          waiter.found.push(event);
          if (waiter.found.length >= waiter.count) waiter.settle('found');
        }
      },
      complete: () => {
        this.ended = true;
        for (const waiter of this.waiters) waiter.settle('completed');
      },
    });
  }

  /** True once the stream completed (the application closed). */
  get completed(): boolean {
    return this.ended;
  }

  /** The recorded events that match. */
  of<T extends SupervisionEventType>(match: EventMatch<T>): MatchedEvent<T>[] {
    return this.events.filter((event): event is MatchedEvent<T> =>
      matches(match, event),
    );
  }

  /** `type path` of each recorded event that matches (every one by default): for asserting an order. */
  trace(match: EventMatch = {}): string[] {
    return this.of(match).map((event) => `${event.type} ${event.path}`);
  }

  /** The first matching event, recorded already or to come. */
  async waitFor<T extends SupervisionEventType>(
    match: EventMatch<T>,
    options: WaitOptions = {},
  ): Promise<MatchedEvent<T>> {
    const [event] = await this.waitForCount(match, 1, options);
    return event!;
  }

  /** The first `count` matching events, recorded already or to come. */
  waitForCount<T extends SupervisionEventType>(
    match: EventMatch<T>,
    count: number,
    options: WaitOptions = {},
  ): Promise<MatchedEvent<T>[]> {
    let found: SupervisionEvent[];
    try {
      found = this.of(match).slice(0, count);
    } catch (error) {
      return Promise.reject(
        error instanceof Error ? error : new Error(String(error)),
      );
    }
    if (found.length >= count)
      return Promise.resolve(found as MatchedEvent<T>[]);
    const wanted = describeMatch(match, count);
    if (this.ended)
      return Promise.reject(
        new Error(TESTING_MESSAGES.streamCompleted(wanted)),
      );
    const timeoutMs =
      options.timeoutMs ?? this.defaults.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        accept: (event) => matches(match, event),
        count,
        found,
        settle: (outcome) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          if (outcome === 'found') resolve(found as MatchedEvent<T>[]);
          else
            reject(
              outcome === 'completed'
                ? new Error(TESTING_MESSAGES.streamCompleted(wanted))
                : outcome,
            );
        },
      };
      const timer = setTimeout(
        () =>
          waiter.settle(
            new EventTimeoutError(wanted, timeoutMs, [...this.events]),
          ),
        timeoutMs,
      );
      this.waiters.add(waiter);
    });
  }

  /** Stops recording; a wait still pending keeps its timeout. */
  stop(): void {
    this.subscription.unsubscribe();
  }
}
