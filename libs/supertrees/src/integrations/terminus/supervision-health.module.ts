import { Module } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { HealthModuleClass } from './supervision-health.options.js';
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
export class SupervisionHealthModule extends HealthModuleClass {}
