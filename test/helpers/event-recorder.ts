import type { Observable, Subscription } from 'rxjs';
import type { SupervisionEvent } from '../../libs/supertrees/src/index.js';

type Predicate = (event: SupervisionEvent) => boolean;

/** Records every event of a stream and lets a test wait for the ones it expects, without timing guesses. */
export class EventRecorder {
  readonly events: SupervisionEvent[] = [];
  private readonly waiters: { predicate: Predicate; count: number; resolve: () => void }[] = [];
  private readonly subscription: Subscription;
  completed = false;

  constructor(events$: Observable<SupervisionEvent>) {
    this.subscription = events$.subscribe({
      next: (event) => {
        this.events.push(event);
        for (const waiter of [...this.waiters]) this.check(waiter);
      },
      complete: () => {
        this.completed = true;
      },
    });
  }

  /** Resolves once `count` recorded events match (including those already recorded). */
  waitFor(predicate: Predicate, options: { count?: number; timeoutMs?: number; what?: string } = {}): Promise<SupervisionEvent[]> {
    const count = options.count ?? 1;
    const timeoutMs = options.timeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter = {
        predicate,
        count,
        resolve: () => {
          clearTimeout(timer);
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          resolve(this.events.filter(predicate));
        },
      };
      timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        const seen = this.events.map((e) => `${e.type} ${e.path}`).slice(-30).join('\n  ');
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${options.what ?? 'events'} (${this.events.filter(predicate).length}/${count}); last events:\n  ${seen}`));
      }, timeoutMs);
      this.waiters.push(waiter);
      this.check(waiter);
    });
  }

  of(type: SupervisionEvent['type'], path?: string): SupervisionEvent[] {
    return this.events.filter((e) => e.type === type && (path === undefined || e.path === path));
  }

  /** `type path` of every event, for asserting order. */
  trace(filter: Predicate = () => true): string[] {
    return this.events.filter(filter).map((e) => `${e.type} ${e.path}`);
  }

  stop(): void {
    this.subscription.unsubscribe();
  }

  private check(waiter: { predicate: Predicate; count: number; resolve: () => void }): void {
    if (this.events.filter(waiter.predicate).length >= waiter.count) waiter.resolve();
  }
}

export const is =
  (type: SupervisionEvent['type'], path?: string): Predicate =>
  (e) =>
    e.type === type && (path === undefined || e.path === path);
