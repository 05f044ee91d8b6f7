import { Inject, Injectable, type OnModuleInit, type OnApplicationShutdown } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { Subscription } from 'rxjs';
import { SupervisionService } from '../../supervision.service.js';
import { resolveHealthOptions, SUPERVISION_HEALTH_OPTIONS, type ResolvedHealthOptions, type SupervisionHealthOptions } from './supervision-health.options.js';
import { isAlive, isReady, TreeHealthTracker, type TreeHealth } from './tree-health.tracker.js';

/**
 * A Terminus health indicator for the supervision tree. `isAlive()` is down when the tree failed,
 * a supervisor was given up for good, a node is stuck in backoff or a supervisor process misses
 * its heartbeats; `isReady()` is also down until the tree has started and from the first step of
 * its shutdown. The details say which nodes and processes are at fault.
 */
@Injectable()
export class SupervisionHealthIndicator implements OnModuleInit, OnApplicationShutdown {
  private options?: ResolvedHealthOptions;
  private readonly tracker = new TreeHealthTracker();
  private subscription?: Subscription;

  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly supervision: SupervisionService,
    @Inject(SUPERVISION_HEALTH_OPTIONS) private readonly rawOptions: SupervisionHealthOptions,
  ) {}

  onModuleInit(): void {
    // Checked here, so bad options fail app.init() before the tree starts.
    this.options = resolveHealthOptions(this.rawOptions);
    // Before the tree starts (it starts after every other module's bootstrap), so nothing is missed.
    this.subscription = this.supervision.events$.subscribe((event) => this.tracker.apply(event));
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }

  /** For a liveness probe. */
  isAlive<const Key extends string = 'supervision'>(key?: Key): HealthIndicatorResult<Key> {
    const health = this.health();
    return this.result(key, isAlive(health), health);
  }

  /** For a readiness probe. */
  isReady<const Key extends string = 'supervision'>(key?: Key): HealthIndicatorResult<Key> {
    const health = this.health();
    return this.result(key, isReady(health), health);
  }

  /** The assessment behind both checks. */
  health(): TreeHealth {
    const assessed = this.tracker.assess(this.supervision.snapshot(), this.supervision.processes(), this.resolved());
    return { ...assessed, tree: this.supervision.status };
  }

  private resolved(): ResolvedHealthOptions {
    return (this.options ??= resolveHealthOptions(this.rawOptions));
  }

  private result<Key extends string>(key: Key | undefined, up: boolean, health: TreeHealth): HealthIndicatorResult<Key> {
    const session = this.indicators.check((key ?? this.resolved().key) as Key);
    const details = { ...health };
    return (up ? session.up(details) : session.down(details)) as HealthIndicatorResult<Key>;
  }
}
