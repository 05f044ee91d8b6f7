import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { isSupervisorProcess, SupervisionService, type SupervisionEvent } from '../index.js';
import { DASHBOARD_OPTIONS, type ResolvedDashboardOptions } from './dashboard.options.js';

/**
 * The most recent events, so a page that opens has some history: `events$` is hot and replays
 * nothing. A ring of `eventLogSize` entries; oldest first when read. Also knows when the stream
 * has ended (the application is closing), so that no page is served a stream that ends at once.
 */
@Injectable()
export class DashboardEventLog implements OnModuleInit, OnModuleDestroy {
  private readonly ring: SupervisionEvent[] = [];
  private next = 0;
  private subscription?: Subscription;
  private streamEnded = false;

  constructor(
    private readonly supervision: SupervisionService,
    @Inject(DASHBOARD_OPTIONS) private readonly options: ResolvedDashboardOptions,
  ) {}

  onModuleInit(): void {
    // In a supervisor process events$ stays silent and no HTTP server exists: nothing to keep.
    if (isSupervisorProcess()) return;
    const keep = this.options.eventLogSize > 0;
    this.subscription = this.supervision.events$.subscribe({
      next: (event) => keep && this.push(event),
      complete: () => (this.streamEnded = true),
    });
  }

  /** True once `events$` has completed: the application is closing. */
  get ended(): boolean {
    return this.streamEnded;
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  recent(): SupervisionEvent[] {
    const size = this.options.eventLogSize;
    if (this.ring.length < size) return this.ring.slice();
    return [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
  }

  private push(event: SupervisionEvent): void {
    const size = this.options.eventLogSize;
    if (this.ring.length < size) {
      this.ring.push(event);
      return;
    }
    this.ring[this.next] = event;
    this.next = (this.next + 1) % size;
  }
}
