import { Module, type DynamicModule } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { HealthModuleClass, type SupervisionHealthOptions } from './supervision-health.options.js';
import { SupervisionHealthIndicator } from './supervision-health.indicator.js';

/**
 * `SupervisionHealthModule.forRoot(options?)` next to `TerminusModule`: provides
 * {@link SupervisionHealthIndicator} for the app's health controller. Needs `SupervisionModule`
 * to be global (its default).
 */
@Module({
  providers: [HealthIndicatorService, SupervisionHealthIndicator],
  exports: [SupervisionHealthIndicator],
})
export class SupervisionHealthModule extends HealthModuleClass {
  /** Every option has a default, so `forRoot()` alone will do. */
  static override forRoot(options: SupervisionHealthOptions = {}): DynamicModule {
    return super.forRoot(options);
  }
}
